package dev.slipway.cli;

import dev.slipway.analysis.judge.ThresholdJudge;
import dev.slipway.analysis.provider.RouterMetricProvider;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.store.JdbcStore;
import dev.slipway.model.ServiceSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.controller.guard.Backups;
import dev.slipway.router.RouterProcess;
import dev.slipway.router.TrafficRouter;
import dev.slipway.runtime.docker.DockerRuntime;
import dev.slipway.runtime.local.LocalRuntime;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import dev.slipway.server.ApiServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.sql.DataSource;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code slipway up -f slipway.yaml}: runs one service's controller in the foreground — database, schema
 * engine, store, built-in router, local runtime, rollout controller and the local API — until Ctrl-C.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Runs the controller of the service in slipway.yaml in the foreground: its database",
                "(embedded: a database named after the service, created if missing; or the JDBC URL as given),",
                "the built-in router on router.listen, replicas as local processes, and the API that the",
                "other commands (status, apply, rollout, schema) talk to. Stops everything on Ctrl-C/SIGTERM.",
                "",
                "After a restart it resumes what the store recorded. Then it applies the spec's release, but only",
                "if the guard allows it: on a fresh database no schema version is readable yet, so it prints the",
                "refusal and waits. Start the schema first (slipway schema start FILE), then slipway apply -f FILE.",
                "Relative paths in release.run.command resolve against the directory of slipway.yaml."})
final class UpCommand implements Callable<Integer> {
    private static final String ACTOR = "up";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The service spec (slipway.yaml).")
    Path file;

    @Option(names = "--state-dir", defaultValue = ".slipway", paramLabel = "DIR",
            description = "Where data, logs, process state and api.json live (default: ${DEFAULT-VALUE}).")
    Path stateDirectory;

    @Option(names = "--api-port", defaultValue = "0", paramLabel = "PORT",
            description = "Port of the local API on 127.0.0.1 (default: a free one; clients find it in api.json).")
    int apiPort;

    @Option(names = "--no-apply", description = "Do not apply the spec's release at start; wait for slipway apply.")
    boolean noApply;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        ServiceSpec service = SpecParser.parse(file.toString(), Files.readString(file));
        Path state = stateDirectory.toAbsolutePath();
        StateDirectory.prepare(state);
        PrintStream out = System.out;
        Stack stack = new Stack();
        Thread shutdown = new Thread(stack::close, "slipway-up-shutdown");
        java.lang.Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            start(service, state, stack, out);
            out.println("Slipway runs " + service.service() + "; Ctrl-C stops it and its replicas.");
            out.flush();
            new CountDownLatch(1).await(); // until SIGTERM (the hook closes the stack) or an interrupt (tests)
            return 0;
        } catch (InterruptedException stop) {
            return 0;
        } finally {
            stack.close();
            try {
                java.lang.Runtime.getRuntime().removeShutdownHook(shutdown);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running and closes the same stack
            }
        }
    }

    /** Assembles the stack from the spec, oldest part first, and applies the release when the guard allows. */
    private void start(ServiceSpec service, Path state, Stack stack, PrintStream out) throws SQLException {
        Path specDirectory = file.toAbsolutePath().getParent();
        Database database = stack.own(Database.open(service.databaseUrl(), state, new PasswordSource(
                service.databasePasswordFile().map(specDirectory::resolve), file + " database.url",
                "database.passwordFile", System.err)));
        String databaseName = database.isEmbedded() ? service.service() : database.databaseName();
        if (database.isEmbedded()) {
            createDatabaseIfMissing(database, databaseName);
            Database.rememberEmbeddedDatabase(state, databaseName);
        }
        DataSource dataSource = database.dataSource(databaseName);
        SchemaEngine engine = new SchemaEngine(dataSource, service.schemaName(), SchemaOptions.defaults());
        engine.init();
        JdbcStore store = new JdbcStore(dataSource);
        store.init();
        SchemaCoordinator schema = new SchemaCoordinator(service.service(), engine, store, Clock.systemUTC());

        String listen = service.routerListen();
        // The router runs in its own process so that clients keep being served if this controller dies;
        // a restarted `up` adopts it, and resume pushes the table the store describes.
        RouterProcess routerProcess = RouterProcess.adopt(state).orElseGet(() -> RouterProcess.spawn(state, listen,
                service.routerPreview(), state.resolve("logs").resolve("router.log")));
        AutoCloseable stopRouter = routerProcess::stop;
        stack.own(stopRouter);
        TrafficRouter router = routerProcess.router();
        stack.own(router);
        InetSocketAddress address = router.address();
        out.println("router   http://" + address.getHostString() + ":" + address.getPort() + "/");
        router.previewAddress().ifPresent(preview ->
                out.println("preview  http://" + preview.getHostString() + ":" + preview.getPort() + "/"));
        if (service.routerPreview().isPresent() && router.previewAddress().isEmpty()) {
            // An adopted router keeps the listeners it was started with; only a new router process opens more.
            out.println("note: the running router (pid " + routerProcess.pid() + ") has no preview listener;"
                    + " stop it (kill " + routerProcess.pid() + ") and run up again to open " + service.routerPreview().get());
        }

        dev.slipway.runtime.Runtime runtime = stack.own(service.runtime().equals("docker")
                ? new DockerRuntime(state) : new LocalRuntime(state, specDirectory));
        InetSocketAddress admin = router.adminAddress();
        RouterMetricProvider metrics = new RouterMetricProvider(
                URI.create("http://" + admin.getHostString() + ":" + admin.getPort() + "/metrics"));
        RolloutController controller = stack.own(new RolloutController(service.service(), runtime, router, metrics,
                new ThresholdJudge(), store, schema, new DatabaseTarget(database.jdbcUrl(databaseName), database.user(),
                database.password()), Clock.systemUTC(), entry -> printEvent(out, entry)));
        boolean resumed = controller.resume(ACTOR);
        ApiServer api = stack.own(ApiServer.start(service.service(), controller, schema, state, apiPort));
        DatabaseTarget target = new DatabaseTarget(database.jdbcUrl(databaseName), database.user(), database.password());
        api.useAutomaticBackups(reason -> Backups.take(target, state.resolve("backups"), service.service(),
                Clock.systemUTC(), reason));
        out.println("api      " + api.url() + " (token in " + api.descriptorFile() + ")");
        applyAtStart(service, controller, api, resumed, out);
    }

    private void applyAtStart(ServiceSpec service, RolloutController controller, ApiServer api, boolean resumed,
                              PrintStream out) {
        String version = service.release().version();
        if (noApply) {
            out.println("not applying " + version + " (--no-apply): run slipway apply -f " + file + " when ready");
            return;
        }
        ServiceStatus status = controller.status();
        if (resumed && status.desiredVersion().filter(version::equals).isPresent()) {
            return; // the store already wants this release; resume carries it on
        }
        try {
            api.apply(service.release(), ACTOR);
            out.println("applying " + service.service() + " " + version);
        } catch (GuardRefusedException refused) {
            out.println("not applying " + version + " yet:");
            out.println("  " + refused.getMessage().replace("\n", "\n  "));
            out.println("  Start a schema version it reads (slipway schema start FILE), then: slipway apply -f " + file);
        } catch (IllegalStateException conflict) {
            out.println("not applying " + version + ": " + conflict.getMessage());
        }
    }

    /** The embedded server is shared by every service of this state directory: one database each, never dropped. */
    private static void createDatabaseIfMissing(Database database, String name) throws SQLException {
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
        }
    }

    private static void printEvent(PrintStream out, TimelineEntry entry) {
        out.println(LocalTime.ofInstant(entry.at(), ZoneId.systemDefault()).format(CLOCK) + "  " + entry.event());
        out.flush();
    }

    /** What {@code up} started, closed newest first exactly once (by the main thread or the shutdown hook). */
    private static final class Stack {
        private final Deque<AutoCloseable> resources = new ArrayDeque<>();

        synchronized <T extends AutoCloseable> T own(T resource) {
            resources.push(resource);
            return resource;
        }

        synchronized void close() {
            while (!resources.isEmpty()) {
                AutoCloseable resource = resources.pop();
                try {
                    resource.close();
                } catch (Exception e) {
                    System.err.println("warning: could not close " + resource.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
        }
    }
}
