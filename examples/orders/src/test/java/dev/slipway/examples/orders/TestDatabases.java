package dev.slipway.examples.orders;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One embedded PostgreSQL for the whole test run, with a database per schema version, each
 * exposed the way Slipway exposes it: base tables in {@code public}, auto-updatable views in
 * {@code public_v<N>}.
 */
final class TestDatabases {

    static final String SCHEMA_ONE = "schema_one";
    static final String SCHEMA_TWO = "schema_two";

    private static EmbeddedPostgres postgres;

    private TestDatabases() {
    }

    static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            execute("postgres", "CREATE DATABASE " + SCHEMA_ONE, "CREATE DATABASE " + SCHEMA_TWO);
            execute(SCHEMA_ONE, SCHEMA_ONE_TABLES);
            execute(SCHEMA_ONE,
                    "CREATE SCHEMA public_v1",
                    "CREATE VIEW public_v1.customers AS SELECT id, full_name, email, created_at FROM public.customers",
                    "CREATE VIEW public_v1.orders AS SELECT id, customer_id, amount_cents, created_at FROM public.orders");
            execute(SCHEMA_TWO,
                    "CREATE TABLE customers (id bigserial PRIMARY KEY, first_name text, last_name text, email text,"
                            + " created_at timestamptz NOT NULL DEFAULT now())",
                    ORDERS_TABLE,
                    "CREATE SCHEMA public_v2",
                    "CREATE VIEW public_v2.customers AS SELECT id, first_name, last_name, email, created_at FROM public.customers",
                    "CREATE VIEW public_v2.orders AS SELECT id, customer_id, amount_cents, created_at FROM public.orders");
        }
        return postgres;
    }

    private static final String ORDERS_TABLE =
            "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,"
                    + " amount_cents bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())";

    /** Schema 1 as base tables in {@code public}. */
    static final String[] SCHEMA_ONE_TABLES = {
        "CREATE TABLE customers (id bigserial PRIMARY KEY, full_name text NOT NULL, email text,"
                + " created_at timestamptz NOT NULL DEFAULT now())",
        ORDERS_TABLE,
    };

    /** A JDBC URL as the service receives it in DATABASE_URL, credentials included. */
    static String url(String database) {
        return postgres().getJdbcUrl("postgres", database);
    }

    /** Empties both databases, so that ids start at 1 in every test. */
    static void reset() {
        for (String database : new String[] {SCHEMA_ONE, SCHEMA_TWO}) {
            execute(database, "TRUNCATE orders, customers RESTART IDENTITY");
        }
    }

    static void execute(String database, String... statements) {
        try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(url(database));
    }
}
