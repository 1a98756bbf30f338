package dev.slipway.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environment contract documented in the README. */
class OrdersConfigTest {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/orders";

    @Test
    void readsEveryVariable() {
        OrdersConfig config = OrdersConfig.fromEnvironment(Map.of(
                "PORT", "18081", "HOST", "0.0.0.0", "DATABASE_URL", URL, "DATABASE_USER", "app",
                "DATABASE_PASSWORD", "secret", "DATABASE_SCHEMA", "public_v2", "ORDERS_FAULT_RATE", "0.25"));
        assertThat(config).isEqualTo(new OrdersConfig("0.0.0.0", 18081, URL, "app", "secret", "public_v2", 0.25));
        assertThat(config.toString()).doesNotContain("secret");
    }

    @Test
    void defaultsToLoopbackThePublicSchemaAndTheReleaseFaultRate() {
        OrdersConfig config = OrdersConfig.fromEnvironment(Map.of("PORT", "18081", "DATABASE_URL", URL));
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.databaseSchema()).isEqualTo("public");
        assertThat(config.databaseUser()).isNull();
        assertThat(config.faultRate()).isNull();
    }

    @Test
    void readsTheApplicationNameAndTheTunableFaults() {
        OrdersConfig config = OrdersConfig.fromEnvironment(Map.of("PORT", "1", "DATABASE_URL", URL,
                "PGAPPNAME", "orders/3.0.0", "ORDERS_ADDED_LATENCY", "30%", "ORDERS_LOCK_HOLD", "250ms",
                "ORDERS_LOCK_SHARE", "0.2"));
        assertThat(config.applicationName()).isEqualTo("orders/3.0.0");
        assertThat(config.faults()).isEqualTo(new Faults(java.time.Duration.ZERO, 0.3, java.time.Duration.ofMillis(250), 0.2));
        assertThat(OrdersConfig.fromEnvironment(Map.of("PORT", "1", "DATABASE_URL", URL, "ORDERS_ADDED_LATENCY", "5ms"))
                .faults().addedLatency()).isEqualTo(java.time.Duration.ofMillis(5));
        assertThat(OrdersConfig.fromEnvironment(Map.of("PORT", "1", "DATABASE_URL", URL)).faults()).isEqualTo(Faults.NONE);
        assertThatThrownBy(() -> OrdersConfig.fromEnvironment(
                Map.of("PORT", "1", "DATABASE_URL", URL, "ORDERS_LOCK_HOLD", "long")))
                .hasMessage("ORDERS_LOCK_HOLD: 'long' is not a duration (e.g. 250ms, 2s)");
    }

    @Test
    void namesTheVariableThatIsMissingOrWrong() {
        assertThatThrownBy(() -> OrdersConfig.fromEnvironment(Map.of("DATABASE_URL", URL)))
                .hasMessageStartingWith("PORT is required");
        assertThatThrownBy(() -> OrdersConfig.fromEnvironment(Map.of("PORT", "80a", "DATABASE_URL", URL)))
                .hasMessage("PORT: '80a' is not a number");
        assertThatThrownBy(() -> OrdersConfig.fromEnvironment(Map.of("PORT", "1")))
                .hasMessageStartingWith("DATABASE_URL is required");
        assertThatThrownBy(() -> OrdersConfig.fromEnvironment(Map.of("PORT", "1", "DATABASE_URL", "postgres://x/y")))
                .hasMessageContaining("is not a PostgreSQL JDBC URL");
        assertThatThrownBy(() -> OrdersConfig.fromEnvironment(
                Map.of("PORT", "1", "DATABASE_URL", URL, "ORDERS_FAULT_RATE", "30")))
                .hasMessage("ORDERS_FAULT_RATE: 30.0 is not a share (0..1)");
    }
}
