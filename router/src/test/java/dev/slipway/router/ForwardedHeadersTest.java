package dev.slipway.router;

import dev.slipway.model.AddressRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code X-Forwarded-For} and {@code X-Forwarded-Proto} say where a request came from: a client cannot pretend, only
 * a configured trusted proxy's word is kept.
 */
class ForwardedHeadersTest {

    private final TestUpstream upstream = TestUpstream.start("app");
    private BuiltInRouter router;

    @AfterEach
    void stop() {
        router.close();
        upstream.close();
    }

    private Http start(RouterConfig config) {
        router = BuiltInRouter.start(config);
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));
        return new Http(router.address());
    }

    private static String seen(Http http, String header) {
        return http.get("/headers?name=" + header, "X-Forwarded-For", "203.0.113.9", "X-Forwarded-Proto", "https",
                "Forwarded", "for=203.0.113.9", "X-Forwarded-Host", "evil.example", "X-Real-IP", "203.0.113.9").body();
    }

    @Test
    void anyClientsClaimsAreReplacedByWhatTheRouterSaw() {
        Http http = start(RouterConfig.onLoopback());

        assertThat(seen(http, "X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(seen(http, "X-Forwarded-Proto")).isEqualTo("http");
        assertThat(seen(http, "Forwarded")).isEqualTo("null");
        assertThat(seen(http, "X-Forwarded-Host")).isEqualTo("null");
        assertThat(seen(http, "X-Real-IP")).isEqualTo("null");
    }

    @Test
    void aTrustedProxysChainIsExtendedAndItsSchemeKept() {
        Http http = start(RouterConfig.onLoopback().withTrustedProxies(List.of(AddressRange.parse("127.0.0.0/8"))));

        assertThat(seen(http, "X-Forwarded-For")).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(seen(http, "X-Forwarded-Proto")).isEqualTo("https");
        assertThat(seen(http, "X-Forwarded-Host")).isEqualTo("evil.example");
        assertThat(http.get("/headers?name=X-Forwarded-For").body()).as("a proxy that sent none").isEqualTo("127.0.0.1");
        assertThat(http.get("/headers?name=X-Forwarded-For", "X-Forwarded-For", "203.0.113.9",
                "X-Forwarded-For", "198.51.100.7, 192.0.2.1").body())
                .as("a chain in several fields: one field, every hop in order").isEqualTo(
                        "203.0.113.9, 198.51.100.7, 192.0.2.1, 127.0.0.1");
    }

    @Test
    void aProxyOutsideTheTrustedRangesIsAClientLikeAnyOther() {
        Http http = start(RouterConfig.onLoopback().withTrustedProxies(List.of(AddressRange.parse("10.0.0.0/8"),
                AddressRange.parse("::1"))));

        assertThat(seen(http, "X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(seen(http, "X-Forwarded-Proto")).isEqualTo("http");
    }
}
