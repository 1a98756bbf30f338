package dev.slipway.router;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BackendSelectorTest {

    private final UpstreamPool pool = new UpstreamPool(RouterConfig.onLoopback(),
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE),
            Transport.nio(), 1);

    private BackendSelector selector(Backend... backends) {
        return BackendSelector.build(new RouteTable(List.of(backends), List.of()), pool,
                new CountersByRevision(SampleClock.start(), 1));
    }

    private static Backend backend(String revision, int weight, int port) {
        return new Backend(revision, weight, List.of(new Endpoint("127.0.0.1", port)));
    }

    @Test
    void everyRunOfTotalWeightRequestsIsSplitExactly() {
        BackendSelector selector = selector(backend("a", 3, 1), backend("b", 5, 2), backend("c", 0, 3),
                backend("d", 2, 4));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10 * 7; i++) {
            counts.merge(selector.select(new DefaultHttpHeaders(), false, 0).revision(), 1, Integer::sum);
        }
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("a", 21, "b", 35, "d", 14));
    }

    @Test
    void aSmallShareIsInterleavedRatherThanSentInOneBurst() {
        BackendSelector selector = selector(backend("stable", 90, 1), backend("canary", 10, 2));
        int longestStableRun = 0;
        int run = 0;
        for (int i = 0; i < 100; i++) {
            if (selector.select(new DefaultHttpHeaders(), false, 0).revision().equals("stable")) {
                longestStableRun = Math.max(longestStableRun, ++run);
            } else {
                run = 0;
            }
        }
        assertThat(longestStableRun).isLessThan(20);
    }

    @Test
    void revisionsWithoutEndpointsOrWeightAreNeverChosen() {
        BackendSelector selector = selector(new Backend("empty", 100, List.of()), backend("zero", 0, 1));
        assertThat(selector.select(new DefaultHttpHeaders(), false, 0)).isNull();
    }

    @Test
    void stickyKeysComeFromTheHeaderOrTheCookie() {
        HttpHeaders header = new DefaultHttpHeaders().set("X-Slipway-Sticky", "alice");
        HttpHeaders cookie = new DefaultHttpHeaders().set("Cookie", "a=1; slipway-sticky=\"bob\"; b=2");
        HttpHeaders similarCookieName = new DefaultHttpHeaders().set("Cookie", "slipway-sticky-not=x");

        assertThat(BackendSelector.stickyKey(header)).isEqualTo("alice");
        assertThat(BackendSelector.stickyKey(cookie)).isEqualTo("bob");
        assertThat(BackendSelector.stickyKey(similarCookieName)).isNull();
        assertThat(BackendSelector.stickyKey(new DefaultHttpHeaders())).isNull();
    }

    @Test
    void aStickyKeyKeepsItsRevisionAcrossTableRebuildsWithTheSameWeights() {
        HttpHeaders headers = new DefaultHttpHeaders().set("X-Slipway-Sticky", "user-1234");
        String first = selector(backend("a", 50, 1), backend("b", 50, 2)).select(headers, true, 0).revision();
        for (int i = 0; i < 5; i++) {
            assertThat(selector(backend("a", 50, 1), backend("b", 50, 2)).select(headers, true, 0).revision()).isEqualTo(first);
        }
    }
}
