package dev.slipway.cli.demo;

import dev.slipway.cli.Database;
import dev.slipway.cli.PasswordSource;
import dev.slipway.cli.ServiceStack;
import dev.slipway.cli.StateDirectory;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.SchemaCoordinator;
import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.RunSpec;
import dev.slipway.model.RouterSpec;
import dev.slipway.model.ServiceSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.model.StrategySpec;
import dev.slipway.router.TrafficRouter;
import dev.slipway.schema.MigrationFile;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The main job end to end on the embedded default: embedded PostgreSQL, the orders service as local
 * processes behind the built-in router, a steady client load; expand 1 → 2, canary v2, contract, a refused
 * undo, a faulty v3 canary rolled back by analysis. Nothing is simulated: real processes, HTTP and SQL.
 */
public final class Demo implements AutoCloseable {
    private static final String SERVICE = "orders";
    private static final String DATABASE = "slipway_demo";
    private static final int SEEDED_CUSTOMERS = 10_000;
    private static final String FAULTY_VERSION = "3.0.0";
    private static final String ACTOR = "demo";

    /** How to run the demo. {@code quick} halves the pauses. */
    public record Options(Path home, Path stateDirectory, String databaseUrl, PasswordSource passwords, boolean quick,
                          int requestsPerSecond, PrintStream out, boolean terminal) {
    }

    private final Options options;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final Instant start = Instant.now();
    private LiveView view;

    public Demo(Options options) {
        this.options = options;
    }

    public DemoResult run() throws IOException {
        PrintStream out = options.out();
        Path home = options.home();
        for (String version : List.of("1.0.0", "2.0.0", "3.0.0")) {
            Path jar = home.resolve("examples/orders/target/orders-" + version + ".jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build with ./slipway (or mvn -B -DskipTests package)");
            }
        }
        StateDirectory.prepare(options.stateDirectory());
        view = own(new LiveView(out, start, options.terminal()));
        out.println("Slipway demo: orders service, schema 1 -> 2, canary 1.0.0 -> 2.0.0, then a faulty 3.0.0");
        out.println("logs: " + options.stateDirectory().resolve("logs"));

        ReleaseSpec v1 = release("orders-v1.yaml");
        ReleaseSpec v2 = release("orders-v2.yaml");
        ReleaseSpec v3 = release("orders-v3.yaml");
        // the same stack as slipway up: the router is a process of its own, on a free port
        ServiceSpec service = new ServiceSpec(SERVICE, options.databaseUrl(), "public", "local",
                new RouterSpec("127.0.0.1:0", Optional.empty(), RouterSpec.DEFAULT_ADMIN, Optional.empty(),
                        RouterSpec.Timeouts.defaults(), RouterSpec.DEFAULT_MAX_CONNECTIONS, List.of()), v1);
        ServiceStack stack = own(new ServiceStack());
        stack.open(service, new ServiceStack.Options(options.stateDirectory(), home, Optional.of(DATABASE),
                options.passwords(), view::event));
        Database database = stack.database();
        DataSource dataSource = stack.dataSource();
        view.message("PostgreSQL ready (" + (database.isEmbedded() ? "embedded, data in "
                + options.stateDirectory().resolve("postgres") : database.jdbcUrl(DATABASE)) + ")");
        RolloutController controller = stack.controller();
        SchemaCoordinator schema = stack.schema();
        TrafficRouter router = stack.router();
        InetSocketAddress admin = router.adminAddress();

        Path migrations = home.resolve("examples/orders/migrations");
        schema.start(MigrationFile.parse(migrations.resolve("001_initial.yaml")), ACTOR, progress -> { });
        schema.complete(ACTOR);
        seed(dataSource);
        controller.record("seeded " + SEEDED_CUSTOMERS + " customers");

        controller.deploy(v1, ACTOR);
        InetSocketAddress address = router.address();
        URI routerUri = URI.create("http://" + address.getHostString() + ":" + address.getPort() + "/");
        view.message("router listening on " + routerUri + " (pid " + stack.routerProcess().pid() + ", metrics on http://"
                + admin.getHostString() + ":" + admin.getPort() + "/metrics)");

        LoadGenerator load = own(new LoadGenerator(routerUri, options.requestsPerSecond(), SEEDED_CUSTOMERS));
        load.start();
        view.message("load: " + options.requestsPerSecond() + " requests/s through the router (reads and writes)");
        view.status(() -> String.format(Locale.ROOT, "requests %d  ok %d  failed %d  running %s",
                load.sent(), load.succeeded(), load.failures().size(), String.join(",", controller.runningVersions())));
        pause(Duration.ofSeconds(3));

        schema.start(MigrationFile.parse(migrations.resolve("002_split_name.yaml")), ACTOR,
                progress -> view.status(() -> String.format(Locale.ROOT, "backfill %s %d/%d rows  requests %d  failed %d",
                        progress.table(), progress.done(), progress.total(), load.sent(), load.failures().size())));
        view.status(() -> String.format(Locale.ROOT, "requests %d  ok %d  failed %d  running %s",
                load.sent(), load.succeeded(), load.failures().size(), String.join(",", controller.runningVersions())));

        RolloutRecord good = controller.rollout(v2, ACTOR);
        String refusal = "";
        if (good.phase() == RolloutPhase.PROMOTED) {
            schema.complete(ACTOR);
            try {
                controller.undo("1.0.0", ACTOR);
                controller.record("undo to 1.0.0 was allowed: the guard failed");
            } catch (GuardRefusedException refused) {
                refusal = refused.getMessage();
                controller.record("undo to 1.0.0 refused by the guard (1.0.0 reads [1, 1])");
                view.message("undo to 1.0.0 refused by the guard:\n          "
                        + refusal.replace("\n", "\n          "));
            }
        }
        RolloutRecord faulty = controller.rollout(v3, ACTOR);
        pause(Duration.ofSeconds(2));
        load.stop();
        view.close();

        Verification verification = verify(dataSource, load);
        Map<String, Long> expected = new TreeMap<>();
        Map<String, Long> unexpected = new TreeMap<>();
        for (LoadGenerator.Failure failure : load.failures()) {
            boolean fromFaultyCanary = FAULTY_VERSION.equals(failure.revision()) && failure.status() >= 500;
            (fromFaultyCanary ? expected : unexpected).merge(failure.cause(), 1L, Long::sum);
        }
        String finalStable = controller.stableVersion().orElse("none");
        TreeSet<Integer> finalState = new TreeSet<>(schema.state());
        List<String> problems = new ArrayList<>();
        if (!unexpected.isEmpty()) problems.add(unexpected.values().stream().mapToLong(Long::longValue).sum() + " unexpected failed requests");
        if (!verification.missing().isEmpty()) problems.add(verification.missing().size() + " written rows missing or different");
        if (good.phase() != RolloutPhase.PROMOTED) problems.add("the rollout of 2.0.0 was not promoted: " + good.message());
        if (faulty.phase() != RolloutPhase.ABORTED) problems.add("the faulty 3.0.0 was not rolled back");
        if (!finalStable.equals("2.0.0")) problems.add("stable is " + finalStable + ", not 2.0.0");
        if (!finalState.equals(new TreeSet<>(List.of(2)))) problems.add("schema state is " + finalState + ", not {2}");
        if (refusal.isEmpty()) problems.add("the guard did not refuse the undo to 1.0.0");
        DemoResult result = new DemoResult(load.sent(), load.succeeded(), expected, unexpected,
                load.writtenCustomers().size(), load.writtenOrders().size(), verification.customersPresent(),
                verification.ordersPresent(), verification.missing(), finalStable, finalState,
                good.phase() + ": " + good.message(), faulty.phase() + ": " + faulty.message(), refusal,
                load.answersByRevision(), Duration.between(start, Instant.now()), controller.timeline(), problems);
        close();
        return result;
    }

    /** Reads one of the demo's release specs, with {@code ${home}} resolved and pauses halved in quick mode. */
    private ReleaseSpec release(String resource) throws IOException {
        String text;
        try (InputStream in = Demo.class.getResourceAsStream("/demo/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("demo resource " + resource + " is missing from the jar");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ReleaseSpec release = SpecParser.parse(resource, text).release();
        List<String> command = release.run().command().stream()
                .map(part -> part.replace("${home}", options.home().toString())).toList();
        StrategySpec strategy = release.strategy();
        if (options.quick() && strategy instanceof StrategySpec.Canary canary) {
            List<CanaryStep> steps = new ArrayList<>();
            for (CanaryStep step : canary.steps()) {
                if (step instanceof CanaryStep.Pause pause && pause.duration().isPresent()) {
                    steps.add(new CanaryStep.Pause(Optional.of(pause.duration().get().dividedBy(2))));
                } else {
                    steps.add(step);
                }
            }
            strategy = new StrategySpec.Canary(steps);
        }
        return new ReleaseSpec(release.version(), new RunSpec(command, release.run().env()), release.schema(),
                release.replicas(), release.health(), strategy);
    }

    private static void seed(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO public.customers (full_name, email) SELECT 'Seed' || g || ' Customer' || g, "
                    + "'seed' || g || '@example.com' FROM generate_series(1, " + SEEDED_CUSTOMERS + ") AS g");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot seed customers: " + e.getMessage(), e);
        }
    }

    /** Rows the database holds for everything the client was told was written. */
    private record Verification(int customersPresent, int ordersPresent, List<String> missing) {
    }

    private static Verification verify(DataSource dataSource, LoadGenerator load) {
        Map<Long, String> customers = load.writtenCustomers();
        Map<Long, LoadGenerator.WrittenOrder> orders = load.writtenOrders();
        List<String> missing = new ArrayList<>();
        Map<Long, String> foundCustomers = new HashMap<>();
        Map<Long, LoadGenerator.WrittenOrder> foundOrders = new HashMap<>();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT id, first_name || ' ' || last_name FROM public.customers WHERE id = ANY (?)")) {
                Array ids = connection.createArrayOf("bigint", customers.keySet().toArray());
                query.setArray(1, ids);
                try (ResultSet row = query.executeQuery()) {
                    while (row.next()) {
                        foundCustomers.put(row.getLong(1), row.getString(2));
                    }
                }
            }
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT id, customer_id, amount_cents FROM public.orders WHERE id = ANY (?)")) {
                query.setArray(1, connection.createArrayOf("bigint", orders.keySet().toArray()));
                try (ResultSet row = query.executeQuery()) {
                    while (row.next()) {
                        foundOrders.put(row.getLong(1), new LoadGenerator.WrittenOrder(row.getLong(2), row.getLong(3)));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot verify written rows: " + e.getMessage(), e);
        }
        customers.forEach((id, name) -> {
            String found = foundCustomers.get(id);
            if (found == null) missing.add("customer " + id + " (" + name + ") is missing");
            else if (!found.equals(name)) missing.add("customer " + id + " is '" + found + "', written as '" + name + "'");
        });
        orders.forEach((id, order) -> {
            LoadGenerator.WrittenOrder found = foundOrders.get(id);
            if (found == null) missing.add("order " + id + " is missing");
            else if (!found.equals(order)) missing.add("order " + id + " is " + found + ", written as " + order);
        });
        return new Verification(foundCustomers.size(), foundOrders.size(), missing);
    }

    /** The timeline and summary as the demo prints them at the end. */
    public static void print(DemoResult result, PrintStream out) {
        out.println();
        out.println("Timeline");
        Instant first = result.timeline().isEmpty() ? Instant.now() : result.timeline().get(0).at();
        for (TimelineEntry entry : result.timeline()) {
            out.printf(Locale.ROOT, "  +%5.1fs  %-62s %s%n", (entry.at().toEpochMilli() - first.toEpochMilli()) / 1000.0,
                    entry.event(), LiveView.picture(entry));
        }
        out.println();
        out.println("Summary");
        out.printf(Locale.ROOT, "  requests sent            %d (%d succeeded)%n", result.requestsSent(), result.requestsSucceeded());
        out.printf(Locale.ROOT, "  answered by              %s%n", result.answersByRevision());
        out.printf(Locale.ROOT, "  failed, expected         %d%s%n", result.expectedFailureCount(),
                result.expectedFailures().isEmpty() ? "" : "  " + result.expectedFailures()
                        + " (the faulty " + FAULTY_VERSION + " while it held canary weight)");
        out.printf(Locale.ROOT, "  failed, unexpected       %d%s%n", result.unexpectedFailureCount(),
                result.unexpectedFailures().isEmpty() ? "" : "  " + result.unexpectedFailures());
        out.printf(Locale.ROOT, "  rows written             %d customers, %d orders%n", result.customersWritten(), result.ordersWritten());
        out.printf(Locale.ROOT, "  rows present at the end  %d customers, %d orders (%d missing or different)%n",
                result.customersPresent(), result.ordersPresent(), result.missingRows().size());
        for (String missing : result.missingRows().stream().limit(5).toList()) {
            out.println("      " + missing);
        }
        out.printf(Locale.ROOT, "  rollout 2.0.0            %s%n", result.goodRollout());
        out.printf(Locale.ROOT, "  rollout 3.0.0            %s%n", result.faultyRollout());
        out.printf(Locale.ROOT, "  final state              stable %s, schema %s%n", result.finalStable(),
                result.finalSchemaState().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ", "{", "}")));
        out.printf(Locale.ROOT, "  wall time                %.1f s%n", result.wallTime().toMillis() / 1000.0);
        out.println(result.success() ? "Result: OK" : "Result: FAILED (" + String.join("; ", result.problems()) + ")");
    }

    private <T extends AutoCloseable> T own(T resource) {
        synchronized (resources) {
            resources.push(resource);
        }
        return resource;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Stops everything the demo started, newest first; safe to call twice (the Ctrl-C hook does). */
    @Override
    public void close() {
        while (true) {
            AutoCloseable resource;
            synchronized (resources) {
                resource = resources.poll();
            }
            if (resource == null) {
                return;
            }
            try {
                resource.close();
            } catch (Exception e) {
                options.out().println("while stopping " + resource.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }
}
