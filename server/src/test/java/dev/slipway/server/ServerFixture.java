package dev.slipway.server;

import dev.slipway.analysis.judge.ThresholdJudge;
import dev.slipway.analysis.provider.RouterMetricProvider;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.store.JdbcStore;
import dev.slipway.router.BuiltInRouter;
import dev.slipway.router.RouterConfig;
import dev.slipway.runtime.local.LocalRuntime;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real controller for API tests: embedded PostgreSQL (one server per JVM, a fresh database per fixture), a
 * real router and local runtime, and the API server on a free port. It runs no replica until a test applies one.
 */
final class ServerFixture implements AutoCloseable {
    /** Schema version 1 of the orders service: one table. */
    static final String MIGRATION_1 = """
            version: 1
            description: customers
            operations:
              - create_table:
                  name: customers
                  columns:
                    - {name: id, type: bigserial, pk: true}
                    - {name: full_name, type: text, nullable: false}
            """;
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    final BuiltInRouter router;
    final LocalRuntime runtime;
    final RolloutController controller;
    final SchemaCoordinator schema;
    final ApiServer server;
    final RouterMetricProvider metrics;
    /** The fixture's own database: the service's tables and Slipway's store. */
    final DataSource dataSource;

    private ServerFixture(Path stateDirectory) throws SQLException {
        String database = "api" + DATABASES.incrementAndGet();
        try (Connection connection = postgres().getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        }
        dataSource = postgres().getDatabase("postgres", database);
        JdbcStore store = new JdbcStore(dataSource);
        store.init();
        SchemaEngine engine = new SchemaEngine(dataSource, "public", SchemaOptions.defaults());
        engine.init();
        router = BuiltInRouter.start(RouterConfig.onLoopback());
        runtime = new LocalRuntime(stateDirectory);
        var admin = router.adminAddress();
        metrics = new RouterMetricProvider(URI.create("http://" + admin.getHostString() + ":" + admin.getPort() + "/metrics"));
        controller = new RolloutController("orders", runtime, router, metrics, new ThresholdJudge(), store, engine,
                new DatabaseTarget("jdbc:postgresql://127.0.0.1:" + postgres().getPort() + "/" + database, "postgres", ""),
                Clock.systemUTC(), entry -> { });
        schema = controller.schema();
        server = ApiServer.start(controller, stateDirectory, 0);
        server.useMetrics(metrics);
    }

    static ServerFixture start(Path stateDirectory) throws SQLException {
        return new ServerFixture(stateDirectory);
    }

    private static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            EmbeddedPostgres started = postgres;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (IOException ignored) {
                    // the JVM ends anyway
                }
            }));
        }
        return postgres;
    }

    @Override
    public void close() {
        server.close();
        controller.close();
        runtime.close();
        router.close();
    }
}
