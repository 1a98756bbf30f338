package dev.slipway.cli;

import dev.slipway.analysis.judge.ThresholdJudge;
import dev.slipway.analysis.provider.Providers;
import dev.slipway.analysis.provider.RouterMetricProvider;
import dev.slipway.analysis.provider.RouterRequestSamples;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.store.JdbcStore;
import dev.slipway.model.ServiceSpec;
import dev.slipway.model.SwarmSpec;
import dev.slipway.router.RouterProcess;
import dev.slipway.router.SupervisedRouter;
import dev.slipway.router.TrafficRouter;
import dev.slipway.runtime.Runtime;
import dev.slipway.runtime.docker.DockerRuntime;
import dev.slipway.runtime.local.LocalRuntime;
import dev.slipway.runtime.swarm.SwarmRuntime;
import dev.slipway.runtime.swarm.SwarmSettings;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;

import javax.sql.DataSource;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One service's running parts, wired the same way for {@code slipway up} and {@code slipway demo}: its database
 * (the embedded server or the one the spec names), schema engine and store, the built-in router as a process of its
 * own (adopted when an earlier controller of the state directory left it running), the runtime, and the controller.
 * {@link #close()} stops them newest first, exactly once, whoever calls it first (the main thread or a shutdown hook);
 * it may be called while {@link #open} is still under way.
 */
public final class ServiceStack implements AutoCloseable {
    private RouterMetricProvider metrics;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private volatile Database database;
    private volatile DataSource dataSource;
    private volatile DatabaseTarget target;
    private volatile SupervisedRouter router;
    private volatile RolloutController controller;
    private volatile boolean closed;

    /**
     * How to open the stack.
     *
     * @param specDirectory where relative paths in {@code release.run.command} resolve
     * @param freshDatabase a database to drop and create (the demo); empty: the service's own database, kept across
     *                      runs (on the embedded server one named after the service, created if missing)
     * @param passwords     where the password of a server named by a URL comes from (the embedded server keeps its
     *                      own in the state directory)
     */
    public record Options(Path stateDirectory, Path specDirectory, Optional<String> freshDatabase,
                          PasswordSource passwords, Consumer<TimelineEntry> timeline) {
    }

    /** Starts every part for {@code spec}; on failure, what was started is stopped again by {@link #close()}. */
    public ServiceStack open(ServiceSpec spec, Options options) {
        Path state = options.stateDirectory().toAbsolutePath();
        // One controller per state directory and per database: a second one refuses here, before it touches either.
        own(ControllerLocks.stateDirectory(state));
        database = own(Database.open(spec.databaseUrl(), state, options.passwords()));
        // The embedded server is this process's to keep: one that dies is started again (the store, the backfill
        // and the replicas wait the outage out).
        database.superviseEmbeddedServer(this::announce);
        String databaseName = databaseName(spec, options);
        dataSource = database.dataSource(databaseName);
        target = new DatabaseTarget(database.jdbcUrl(databaseName), database.user(), database.password());
        own(ControllerLocks.database(target, databaseName));
        SchemaEngine engine = new SchemaEngine(dataSource, spec.schemaName(), SchemaOptions.defaults());
        engine.init();
        JdbcStore store = new JdbcStore(dataSource);
        store.init();
        // The router runs in its own process so that clients keep being served if this controller dies; a
        // restarted controller adopts it, and resume pushes the table the store describes. A router process that
        // dies is started again with the last table.
        SupervisedRouter supervised = SupervisedRouter.start(state, spec.router(),
                state.resolve("logs").resolve("router.log"), this::announce);
        router = supervised;
        own(supervised::stop);
        Runtime runtime = own(switch (spec.runtime()) {
            case "docker" -> new DockerRuntime(state);
            case "swarm" -> swarmRuntime(spec.swarm().orElse(SwarmSpec.defaults()), state);
            default -> new LocalRuntime(state, options.specDirectory());
        });
        InetSocketAddress admin = router.adminAddress();
        URI adminUri = URI.create("http://" + admin.getHostString() + ":" + admin.getPort());
        metrics = new RouterMetricProvider(adminUri.resolve("/metrics"));
        // What analysis templates measure through: the router's counters and per-request samples, the service's
        // database for the database gates, and the spec's directory for jobs.
        Providers analysisProviders = new Providers(new Providers.Environment(spec.service(), metrics,
                () -> new RouterRequestSamples(adminUri), Optional.of(dataSource::getConnection),
                options.specDirectory(), Clock.systemUTC()));
        controller = own(new RolloutController(spec.service(), runtime, router, metrics, new ThresholdJudge(), store,
                engine, target, Clock.systemUTC(), options.timeline(), analysisProviders));
        return this;
    }

    private static SwarmRuntime swarmRuntime(SwarmSpec swarm, Path state) {
        return new SwarmRuntime(state, new SwarmSettings(URI.create(swarm.manager()), swarm.bind(), swarm.constraints(),
                swarm.firstPort(), swarm.lastPort(), SwarmSettings.DEFAULT_STOP_GRACE));
    }

    private String databaseName(ServiceSpec spec, Options options) {
        if (options.freshDatabase().isPresent()) {
            database.recreateDatabase(options.freshDatabase().get());
            return options.freshDatabase().get();
        }
        if (!database.isEmbedded()) {
            return database.databaseName();
        }
        createDatabaseIfMissing(database, spec.service());
        Database.rememberEmbeddedDatabase(options.stateDirectory().toAbsolutePath(), spec.service());
        return spec.service();
    }

    /** The router's counters per revision, as the canary analysis reads them (the dashboard charts them too). */
    public RouterMetricProvider metrics() {
        return metrics;
    }

    public RolloutController controller() {
        return controller;
    }

    public SchemaCoordinator schema() {
        return controller.schema();
    }

    /** The router process, restarted when it dies; the controller drives it through this. */
    public TrafficRouter router() {
        return router;
    }

    /** The router process serving now. */
    public RouterProcess routerProcess() {
        return router.process();
    }

    /** A restart of the router or of the embedded database goes on the controller's timeline (before it exists: stderr). */
    private void announce(String what) {
        RolloutController current = controller;
        if (current != null) {
            current.record(what);
        } else {
            System.err.println("warning: " + what);
        }
    }

    public Database database() {
        return database;
    }

    /** The service's database, where its tables and Slipway's store live. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** How replicas (and a backup) reach the service's database. */
    public DatabaseTarget databaseTarget() {
        return target;
    }

    /** Closes {@code resource} with the stack, before everything opened earlier. */
    public synchronized <T extends AutoCloseable> T own(T resource) {
        if (closed) {
            closeQuietly(resource);
            throw new IllegalStateException("the service stack is closed");
        }
        resources.push(resource);
        return resource;
    }

    @Override
    public synchronized void close() {
        closed = true;
        while (!resources.isEmpty()) {
            closeQuietly(resources.pop());
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            System.err.println("warning: could not close " + resource.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The embedded server is shared by every service of a state directory: one database each, never dropped. */
    private static void createDatabaseIfMissing(Database database, String name) {
        try (Connection connection = database.dataSource(database.databaseName()).getConnection()) {
            try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, name);
                try (ResultSet row = exists.executeQuery()) {
                    if (row.next()) {
                        return;
                    }
                }
            }
            try (Statement create = connection.createStatement()) {
                // the name passed the spec's service-name check (lowercase letters, digits, '-'), quoted for the '-'
                create.execute("CREATE DATABASE \"" + name + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }
}
