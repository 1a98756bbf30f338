package dev.slipway.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Release 3.0.0 fails a share of API requests on purpose; its health endpoints never do. */
class FaultyReleaseTest {

    @BeforeEach
    void emptyDatabases() {
        TestDatabases.reset();
    }

    @Test
    void failsRoughlyTheConfiguredShareOfApiRequests() throws Exception {
        try (OrdersService service = start(0.5)) {
            ApiClient api = new ApiClient(service.baseUri());
            int injected = 0;
            for (int i = 0; i < 400; i++) {
                var response = api.get("/customers?limit=1");
                if (response.status() == 500) {
                    assertThat(response.error()).isEqualTo("injected fault");
                    assertThat(response.version()).isEqualTo("3.0.0");
                    injected++;
                } else {
                    assertThat(response.status()).isEqualTo(200);
                }
            }
            assertThat(injected).isBetween(120, 280);
        }
    }

    @Test
    void healthEndpointsAreNeverFaulty() throws Exception {
        try (OrdersService service = start(1.0)) {
            ApiClient api = new ApiClient(service.baseUri());
            for (int i = 0; i < 50; i++) {
                assertThat(api.get("/live").status()).isEqualTo(200);
                assertThat(api.get("/ready").status()).isEqualTo(200);
            }
            assertThat(api.post("/customers", "{\"name\":\"Ada Lovelace\"}").status()).isEqualTo(500);
        }
    }

    @Test
    void failsThirtyPercentUnlessToldOtherwiseAndOnlyTheFaultyReleaseFails() {
        OrdersConfig plain = OrdersConfig.of(0, "jdbc:postgresql://127.0.0.1/orders", "public_v2");
        assertThat(OrdersVersion.V3.faultRate(plain)).isEqualTo(0.3);
        assertThat(OrdersVersion.V3.faultRate(plain.withFaultRate(0.0))).isEqualTo(0.0);
        assertThat(OrdersVersion.V2.faultRate(plain.withFaultRate(0.9))).isEqualTo(0.0);
        assertThat(OrdersVersion.V1.faultRate(plain.withFaultRate(0.9))).isEqualTo(0.0);
    }

    private static OrdersService start(double faultRate) throws Exception {
        return OrdersService.start(OrdersVersion.V3,
                OrdersConfig.of(0, TestDatabases.url(TestDatabases.SCHEMA_TWO), "public_v2").withFaultRate(faultRate));
    }
}
