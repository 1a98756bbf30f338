package dev.slipway.examples.orders;

import java.util.Map;

/**
 * Everything the service needs to start, usually read from the environment.
 *
 * @param host            the address to listen on, 127.0.0.1 unless told otherwise
 * @param port            the port to listen on; 0 picks a free one (useful in tests)
 * @param databaseUrl     a JDBC URL {@code jdbc:postgresql://host:port/db}, may carry user and password
 * @param databaseUser    optional; null when the URL carries it or none is needed
 * @param databasePassword optional
 * @param databaseSchema  the versioned view schema to read, e.g. {@code public_v2}
 * @param faultRate       the share of failed API requests for the faulty release, or null for its default
 * @param applicationName what the database sessions are called ({@code application_name}): PGAPPNAME, which
 *                        Slipway sets to {@code service/version}; null for {@code orders-<version>}
 * @param faults          the faulty release's other defects (slower answers, lock holding)
 */
public record OrdersConfig(
        String host,
        int port,
        String databaseUrl,
        String databaseUser,
        String databasePassword,
        String databaseSchema,
        Double faultRate,
        String applicationName,
        Faults faults) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_SCHEMA = "public";

    public OrdersConfig {
        if (host == null || host.isBlank()) {
            host = DEFAULT_HOST;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("PORT: " + port + " is not a port (0..65535)");
        }
        if (databaseUrl == null || databaseUrl.isBlank()) {
            throw new IllegalArgumentException("DATABASE_URL is required, e.g. jdbc:postgresql://127.0.0.1:5432/orders");
        }
        if (!databaseUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "DATABASE_URL: " + databaseUrl + " is not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db)");
        }
        if (databaseSchema == null || databaseSchema.isBlank()) {
            databaseSchema = DEFAULT_SCHEMA;
        }
        if (faultRate != null && !(faultRate >= 0.0 && faultRate <= 1.0)) {
            throw new IllegalArgumentException("ORDERS_FAULT_RATE: " + faultRate + " is not a share (0..1)");
        }
        if (applicationName != null && (applicationName.isBlank() || applicationName.length() > 63)) {
            throw new IllegalArgumentException("PGAPPNAME: '" + applicationName + "' must be 1 to 63 characters");
        }
        if (faults == null) {
            faults = Faults.NONE;
        }
    }

    public OrdersConfig(String host, int port, String databaseUrl, String databaseUser, String databasePassword,
                        String databaseSchema, Double faultRate) {
        this(host, port, databaseUrl, databaseUser, databasePassword, databaseSchema, faultRate, null, Faults.NONE);
    }

    /** A configuration for tests and embedding: default host, no credentials, default fault rate. */
    public static OrdersConfig of(int port, String databaseUrl, String databaseSchema) {
        return new OrdersConfig(DEFAULT_HOST, port, databaseUrl, null, null, databaseSchema, null);
    }

    /** Returns a copy that injects faults at the given rate (faulty release only). */
    public OrdersConfig withFaultRate(double rate) {
        return new OrdersConfig(host, port, databaseUrl, databaseUser, databasePassword, databaseSchema, rate,
                applicationName, faults);
    }

    /** Returns a copy with the faulty release's other defects (faulty release only). */
    public OrdersConfig withFaults(Faults other) {
        return new OrdersConfig(host, port, databaseUrl, databaseUser, databasePassword, databaseSchema, faultRate,
                applicationName, other);
    }

    /** Returns a copy whose database sessions carry this application_name. */
    public OrdersConfig withApplicationName(String name) {
        return new OrdersConfig(host, port, databaseUrl, databaseUser, databasePassword, databaseSchema, faultRate,
                name, faults);
    }

    /**
     * Reads PORT, HOST, DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, DATABASE_SCHEMA, PGAPPNAME,
     * ORDERS_FAULT_RATE and the other faults ({@link Faults#fromEnvironment}).
     *
     * @throws IllegalArgumentException naming the variable that is missing or malformed
     */
    public static OrdersConfig fromEnvironment(Map<String, String> environment) {
        String port = environment.get("PORT");
        if (port == null || port.isBlank()) {
            throw new IllegalArgumentException("PORT is required (the port to listen on)");
        }
        return new OrdersConfig(
                environment.get("HOST"),
                parseInt("PORT", port),
                environment.get("DATABASE_URL"),
                blankToNull(environment.get("DATABASE_USER")),
                blankToNull(environment.get("DATABASE_PASSWORD")),
                environment.get("DATABASE_SCHEMA"),
                parseRate(environment.get("ORDERS_FAULT_RATE")),
                blankToNull(environment.get("PGAPPNAME")),
                Faults.fromEnvironment(environment));
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' is not a number");
        }
    }

    private static Double parseRate(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Double.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ORDERS_FAULT_RATE: '" + value + "' is not a share (0..1)");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** Leaves the password out, so that the configuration can be logged. */
    @Override
    public String toString() {
        return "OrdersConfig[host=" + host + ", port=" + port + ", databaseUrl=" + databaseUrl.replaceAll("password=[^&]*", "password=***")
                + ", databaseUser=" + databaseUser + ", databaseSchema=" + databaseSchema + ", faultRate=" + faultRate + ", applicationName=" + applicationName + ", faults=" + faults + "]";
    }
}
