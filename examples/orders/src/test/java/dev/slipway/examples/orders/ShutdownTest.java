package dev.slipway.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Stopping drains: not ready at once, in-flight requests finish, then the process can go. */
class ShutdownTest {

    @BeforeEach
    void emptyDatabases() {
        TestDatabases.reset();
    }

    @Test
    void anIdleServiceStopsPromptly() throws Exception {
        OrdersService service = start();
        assertThat(new ApiClient(service.baseUri()).get("/ready").status()).isEqualTo(200);
        long started = System.nanoTime();
        service.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void isNotReadyAsSoonAsShutdownBegins() throws Exception {
        try (OrdersService service = start()) {
            ApiClient api = new ApiClient(service.baseUri());
            service.beginShutdown();
            var ready = api.get("/ready");
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.body().path("status").asText()).isEqualTo("shutting down");
            assertThat(api.get("/live").status()).isEqualTo(200);
        }
    }

    @Test
    void letsAnInFlightRequestFinishBeforeStopping() throws Exception {
        OrdersService service = start();
        ApiClient api = new ApiClient(service.baseUri());
        try (Connection blocker = TestDatabases.connect(TestDatabases.SCHEMA_ONE)) {
            // Hold a lock so that the request is provably in flight while the service stops.
            blocker.setAutoCommit(false);
            try (Statement statement = blocker.createStatement()) {
                statement.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE");
            }
            CompletableFuture<ApiClient.Response> slow = api.postAsync("/customers", "{\"name\":\"Ada Lovelace\"}");
            Thread.sleep(300);
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(service::close);
            Thread.sleep(300);
            assertThat(stopping).isNotDone();
            assertThat(slow).isNotDone();

            blocker.commit();
            assertThat(slow.get(5, TimeUnit.SECONDS).status()).isEqualTo(201);
            stopping.get(5, TimeUnit.SECONDS);
        }
    }

    private static OrdersService start() throws Exception {
        return OrdersService.start(OrdersVersion.V1,
                OrdersConfig.of(0, TestDatabases.url(TestDatabases.SCHEMA_ONE), "public_v1"));
    }
}
