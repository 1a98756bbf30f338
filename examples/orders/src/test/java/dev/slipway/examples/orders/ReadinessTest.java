package dev.slipway.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A release reports ready only when it can read the schema it is pointed at. */
class ReadinessTest {

    @Test
    void eachReleaseIsReadyOnItsOwnSchemaVersion() throws Exception {
        assertThat(readiness(OrdersVersion.V1, TestDatabases.SCHEMA_ONE, "public_v1").status()).isEqualTo(200);
        assertThat(readiness(OrdersVersion.V2, TestDatabases.SCHEMA_TWO, "public_v2").status()).isEqualTo(200);
        assertThat(readiness(OrdersVersion.V3, TestDatabases.SCHEMA_TWO, "public_v2").status()).isEqualTo(200);
    }

    @Test
    void theSplitNameReleaseIsNotReadyOnSchemaOne() throws Exception {
        var ready = readiness(OrdersVersion.V2, TestDatabases.SCHEMA_ONE, "public_v1");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body().path("status").asText()).isEqualTo("not ready");
        assertThat(ready.body().path("reason").asText()).contains("first_name");
    }

    @Test
    void theFullNameReleaseIsNotReadyOnSchemaTwo() throws Exception {
        var ready = readiness(OrdersVersion.V1, TestDatabases.SCHEMA_TWO, "public_v2");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body().path("reason").asText()).contains("full_name");
    }

    @Test
    void aMissingViewSchemaIsNotReadyRatherThanFallingBackToTheBaseTables() throws Exception {
        assertThat(readiness(OrdersVersion.V1, TestDatabases.SCHEMA_ONE, "public_v9").status()).isEqualTo(503);
    }

    @Test
    void startsWithoutTheDatabaseAndBecomesReadyWhenItAppears() throws Exception {
        int databasePort = freePort();
        String url = "jdbc:postgresql://127.0.0.1:" + databasePort + "/postgres?user=postgres";
        long started = System.nanoTime();
        try (OrdersService service = OrdersService.start(OrdersVersion.V1, OrdersConfig.of(0, url, "public"))) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
            ApiClient api = new ApiClient(service.baseUri());
            assertThat(api.get("/live").status()).isEqualTo(200);
            long probed = System.nanoTime();
            assertThat(api.get("/ready").status()).isEqualTo(503);
            // readiness has a pool of its own with a 1 s bound; on the requests' pool it would wait their full 5 s
            assertThat(Duration.ofNanos(System.nanoTime() - probed)).isLessThan(Duration.ofSeconds(5));
            assertThat(api.get("/customers/1").status()).isEqualTo(503);

            try (EmbeddedPostgres late = EmbeddedPostgres.builder().setPort(databasePort).start()) {
                try (Connection connection = late.getPostgresDatabase().getConnection();
                        Statement statement = connection.createStatement()) {
                    for (String sql : TestDatabases.SCHEMA_ONE_TABLES) {
                        statement.execute(sql);
                    }
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                int status = 0;
                while (System.nanoTime() < deadline && (status = api.get("/ready").status()) != 200) {
                    Thread.sleep(100);
                }
                assertThat(status).isEqualTo(200);
                assertThat(api.post("/customers", "{\"name\":\"Ada Lovelace\"}").status()).isEqualTo(201);
            }
        }
    }

    private static ApiClient.Response readiness(OrdersVersion version, String database, String schema)
            throws Exception {
        try (OrdersService service = OrdersService.start(version,
                OrdersConfig.of(0, TestDatabases.url(database), schema))) {
            return new ApiClient(service.baseUri()).get("/ready");
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
