package dev.slipway.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Release 3.0.0 fails a share of API requests on purpose, and on request answers slower or holds a heavy lock;
 * its health endpoints never do.
 */
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

    @Test
    void addedLatencyMakesEveryApiAnswerAtLeastThatMuchSlower() throws Exception {
        try (OrdersService service = OrdersService.start(OrdersVersion.V3, config(0.0).withFaults(
                Faults.fromEnvironment(Map.of("ORDERS_ADDED_LATENCY", "300ms"))))) {
            ApiClient api = new ApiClient(service.baseUri());
            long started = System.nanoTime();
            assertThat(api.get("/customers?limit=1").status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void aLockHoldingBuildBlocksOtherWritersOfOrdersUnderItsApplicationName() throws Exception {
        TestDatabases.execute(TestDatabases.SCHEMA_TWO, "INSERT INTO customers (first_name) VALUES ('Ada')");
        try (OrdersService service = OrdersService.start(OrdersVersion.V3, config(0.0)
                .withApplicationName("orders/3.0.0").withFaults(Faults.NONE.withLockHold(Duration.ofSeconds(30))));
             Connection observer = TestDatabases.connect(TestDatabases.SCHEMA_TWO)) {
            ApiClient api = new ApiClient(service.baseUri());
            var write = api.postAsync("/orders", "{\"customerId\":1,\"amountCents\":100}");
            String holder = "";
            for (int i = 0; i < 200 && holder.isEmpty(); i++) {
                try (var rows = observer.createStatement().executeQuery("""
                        SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                         WHERE l.relation = 'public.orders'::regclass AND l.mode = 'ExclusiveLock' AND l.granted""")) {
                    holder = rows.next() ? rows.getString(1) : "";
                }
                Thread.sleep(50);
            }
            assertThat(holder).isEqualTo("orders/3.0.0");
            observer.createStatement().execute("SET lock_timeout = '200ms'");
            assertThatThrownBy(() -> observer.createStatement().execute(
                    "INSERT INTO orders (customer_id, amount_cents) VALUES (1, 5)"))
                    .hasMessageContaining("lock timeout");
            write.cancel(true);
            observer.createStatement().execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
                    + " WHERE application_name = 'orders/3.0.0' AND state = 'active'");
        }
    }

    @Test
    void theHealthyReleasesIgnoreEveryFault() {
        OrdersConfig faulty = config(0.9).withFaults(new Faults(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1), 1));
        assertThat(OrdersVersion.V2.faults(faulty)).isEqualTo(Faults.NONE);
        assertThat(OrdersVersion.V1.faults(faulty)).isEqualTo(Faults.NONE);
        assertThat(OrdersVersion.V3.faults(faulty).lockHold()).isEqualTo(Duration.ofSeconds(1));
    }

    private static OrdersConfig config(double faultRate) {
        return OrdersConfig.of(0, TestDatabases.url(TestDatabases.SCHEMA_TWO), "public_v2").withFaultRate(faultRate);
    }

    private static OrdersService start(double faultRate) throws Exception {
        return OrdersService.start(OrdersVersion.V3,
                OrdersConfig.of(0, TestDatabases.url(TestDatabases.SCHEMA_TWO), "public_v2").withFaultRate(faultRate));
    }
}
