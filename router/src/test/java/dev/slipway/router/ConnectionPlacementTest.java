package dev.slipway.router;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** On a real router: a few clients share the first event loop, more spill over, and closed ones free their place. */
class ConnectionPlacementTest {

    @AutoClose // router, then upstream
    private final RoutedUpstream routed = new RoutedUpstream(RouterConfig.onLoopback());
    private final BuiltInRouter router = routed.router;

    @Test
    void aFewClientsShareOneLoopAndTheirPlacesAreFreedWhenTheyClose() {
        int loops = router.connectionsPerLoop().length;
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < ConnectionPlacement.PACKED; i++) {
                clients.add(answered(new RawClient(router.address())));
            }
            assertThat(router.connectionsPerLoop()[0]).isEqualTo(ConnectionPlacement.PACKED);

            clients.add(answered(new RawClient(router.address())));
            int[] open = router.connectionsPerLoop();
            assertThat(Arrays.stream(open).sum()).isEqualTo(ConnectionPlacement.PACKED + 1);
            if (loops > 1) {
                assertThat(open[1]).as("the fifth client goes to the next loop").isEqualTo(1);
            }
        } finally {
            clients.forEach(RawClient::close);
        }

        assertThat(Http.await(() -> Arrays.stream(router.connectionsPerLoop()).sum(), sum -> sum == 0))
                .as("every closed connection is uncounted").isZero();
        try (RawClient next = answered(new RawClient(router.address()))) {
            assertThat(router.connectionsPerLoop()[0]).isEqualTo(1);
        }
    }

    private static RawClient answered(RawClient client) {
        client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(client.readResponse()).startsWith("HTTP/1.1 200 ");
        return client;
    }
}
