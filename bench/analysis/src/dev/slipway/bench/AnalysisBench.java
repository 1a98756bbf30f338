package dev.slipway.bench;

import dev.slipway.analysis.provider.Providers;
import dev.slipway.analysis.provider.RequestSamples;
import dev.slipway.analysis.provider.RouterRequestSamples;
import dev.slipway.analysis.run.AnalysisRun;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.MetricStatus;
import dev.slipway.analysis.run.Phase;
import dev.slipway.model.AnalysisRunSpec;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.SpecParser;
import dev.slipway.model.StrategySpec;
import dev.slipway.router.Backend;
import dev.slipway.router.BuiltInRouter;
import dev.slipway.router.Endpoint;
import dev.slipway.router.RouteTable;
import dev.slipway.router.RouterConfig;
import dev.slipway.schema.BackfillListener;
import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs the recommended canary analysis (statistical judge + lock-wait gate) many times against real releases of
 * the sample service and counts outcomes per scenario: identical releases (A/A), +2 points of errors, +30 %
 * latency, a release holding a heavy lock. The load goes through the real built-in router, which gives stable,
 * baseline and canary a third each; the judge reads the router's per-request samples from its admin port, as a
 * rollout does. Every run's samples are kept ({@code samples.txt}) for {@link AnalysisSimulation}.
 */
public final class AnalysisBench {
    private static final String STABLE = "2.0.0";
    private static final String BASELINE = "2.0.0-baseline";
    private static final String CANARY = "canary";

    private final Path home;
    private final Path out;
    private final Map<String, String> options;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(32)).connectTimeout(Duration.ofSeconds(2)).build();
    /** Readiness probes on a client of their own: behind the load's thousands of requests they would wait for minutes. */
    private final HttpClient probes = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Release> backends = new ConcurrentHashMap<>();
    private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
    /** The real router between load and releases ({@code --via=router}); null when the harness routes ({@code direct}). */
    private BuiltInRouter router;
    private RequestSamples samples;
    private EmbeddedPostgres postgres;
    private String jdbcUrl;
    private int customers;

    private AnalysisBench(Path home, Path out, Map<String, String> options) {
        this.home = home;
        this.out = out;
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("scenarios", "errors,latency,locks,aa",
                "runs", "", "aa-runs", "200", "power-runs", "40", "rate", "240", "interval", "4s", "count", "3",
                "restart-every", "20", "warmup", "8", "via", "direct"));
        options.put("latency-effect", "");
        Path home = Path.of(".");
        Path out = Path.of("target");
        for (String arg : args) {
            String[] pair = arg.replaceFirst("^--", "").split("=", 2);
            if (pair[0].equals("home")) {
                home = Path.of(pair[1]);
            } else if (pair[0].equals("out")) {
                out = Path.of(pair[1]);
            } else if (options.containsKey(pair[0]) && pair.length == 2) {
                options.put(pair[0], pair[1]);
            } else {
                throw new IllegalArgumentException("unknown option " + arg + " (known: " + options.keySet() + ")");
            }
        }
        new AnalysisBench(home, out.resolve("run-" + Instant.now().toString().replace(':', '-')), options).run();
        System.exit(0); // the HTTP client's threads would keep the JVM alive
    }

    /** A bad (or not) release and what makes it so. */
    private record Scenario(String name, String jar, Map<String, String> env, String expectation) {
    }

    private void run() throws Exception {
        Files.createDirectories(out);
        List<Scenario> scenarios = new ArrayList<>();
        for (String name : options.get("scenarios").split(",")) {
            scenarios.add(switch (name.strip()) {
                case "aa" -> new Scenario("aa", "orders-2.0.0.jar", Map.of(), "identical release (A/A)");
                case "errors" -> new Scenario("errors", "orders-3.0.0.jar", Map.of("ORDERS_FAULT_RATE", "0.02"),
                        "+2 points of errors");
                case "latency" -> new Scenario("latency", "orders-3.0.0.jar",
                        Map.of("ORDERS_FAULT_RATE", "0", "ORDERS_ADDED_LATENCY", "30%"), "+30 % latency");
                case "locks" -> new Scenario("locks", "orders-3.0.0.jar", Map.of("ORDERS_FAULT_RATE", "0",
                        "ORDERS_LOCK_HOLD", "300ms", "ORDERS_LOCK_SHARE", "0.2"), "holds a table lock 300 ms");
                default -> throw new IllegalArgumentException("unknown scenario " + name);
            });
        }
        AnalysisRunSpec spec = analysis(options.get("interval"), options.get("count"), options.get("latency-effect"));
        // Ctrl-C or kill: the releases this harness started go with it
        java.lang.Runtime.getRuntime().addShutdownHook(new Thread(() -> backends.values().forEach(Release::stop)));
        startDatabase();
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        ExecutorService measurements = Executors.newCachedThreadPool();
        if (options.get("via").equals("router")) {
            router = BuiltInRouter.start(RouterConfig.onLoopback());
            samples = new RouterRequestSamples(URI.create("http://127.0.0.1:" + router.adminAddress().getPort()));
        } else if (options.get("via").equals("direct")) {
            samples = new Reader();
        } else {
            throw new IllegalArgumentException("--via=" + options.get("via") + ": router or direct");
        }
        try {
            startBackend(STABLE, "orders-2.0.0.jar", Map.of());
            startLoad(load);
            for (Scenario scenario : scenarios) {
                int runs = Integer.parseInt(options.get("runs").isEmpty()
                        ? options.get(scenario.name().equals("aa") ? "aa-runs" : "power-runs") : options.get("runs"));
                runScenario(scenario, runs, spec, measurements);
            }
        } finally {
            load.shutdownNow();
            measurements.shutdownNow();
            backends.values().forEach(Release::stop);
            if (router != null) {
                router.close();
            }
            postgres.close();
        }
        String report = "analysis: " + options + "\n" + Summary.table(out);
        Files.writeString(out.resolve("results.txt"), report);
        System.out.println();
        System.out.print(report);
    }

    /**
     * The analysis README.md recommends, with the bench's interval and count.
     *
     * @param latencyEffect the latency metric's effectSize, or empty for the default
     */
    static AnalysisRunSpec analysis(String interval, String count, String latencyEffect) {
        String yaml = """
                service: orders
                analysisTemplates:
                  - name: canary-vs-baseline
                    metrics:
                      - name: judge
                        interval: %1$s
                        count: %2$s
                        provider:
                          statistical:
                            groups:
                              - name: latency
                                metrics: [{name: latency, source: router.latency, critical: true%3$s}]
                              - name: errors
                                metrics: [{name: errors, source: router.errors, critical: true}]
                      - name: lock-waits
                        interval: %1$s
                        count: %2$s
                        failureCondition: result > 200
                        provider: {database: {measure: lockWaitCaused, window: 3s}}
                release:
                  version: canary
                  run: {command: [java]}
                  schema: 2
                  strategy:
                    canary:
                      steps:
                        - analysis: {templates: [canary-vs-baseline]}
                """.formatted(interval, count, latencyEffect.isEmpty() ? "" : ", effectSize: " + latencyEffect);
        StrategySpec.Canary canary = (StrategySpec.Canary) SpecParser.parse("bench.yaml", yaml).release().strategy();
        return ((CanaryStep.TemplateAnalysis) canary.steps().get(0)).run();
    }

    private void runScenario(Scenario scenario, int runs, AnalysisRunSpec spec, ExecutorService executor)
            throws Exception {
        int restartEvery = Integer.parseInt(options.get("restart-every"));
        for (int i = 0; i < runs; i++) {
            if (i % restartEvery == 0) {
                // fresh baseline and canary, started together, as an experiment step starts them
                restart(BASELINE, "orders-2.0.0.jar", Map.of());
                restart(CANARY, scenario.jar(), scenario.env());
                Thread.sleep(Long.parseLong(options.get("warmup")) * 1000);
            }
            Map<String, String> builtIns = Map.of("service", "orders", "canary", CANARY, "stable", STABLE,
                    "baseline", BASELINE);
            Providers providers = new Providers(new Providers.Environment("orders", null, () -> samples,
                    Optional.of(() -> java.sql.DriverManager.getConnection(jdbcUrl)), home, Clock.systemUTC()));
            Instant started = Instant.now();
            AnalysisStatus status;
            try (AnalysisRun run = new AnalysisRun("bench", spec, builtIns, providers, Clock.systemUTC(), executor)) {
                while (!run.finished()) {
                    run.tick();
                    Thread.sleep(100);
                }
                status = run.status();
            }
            double seconds = Duration.between(started, status.finishedAt().orElseThrow()).toMillis() / 1000.0;
            // The whole planned window is kept even when the analysis failed early, so a recorded run can be
            // replayed through another judge (AnalysisReplay) look by look.
            Duration planned = spec.templates().get(0).metrics().get(0).interval().orElseThrow()
                    .multipliedBy(spec.templates().get(0).metrics().get(0).effectiveCount());
            long left = Duration.between(Instant.now(), started.plus(planned)).toMillis();
            if (left > 0) {
                Thread.sleep(left);
            }
            keepSamples(scenario, i + 1, started, started.plus(planned));
            String line = String.format(Locale.ROOT, "%s run %d: %s in %.1f s: %s",
                    scenario.name(), i + 1, status.phase(), seconds, status.message());
            System.out.println(line);
            Files.writeString(out.resolve("runs.txt"), line + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
    }

    /**
     * Appends what the judge saw in this run (the router's samples of canary and baseline since the run began) to
     * samples.txt: one line per revision, {@code scenario run revision requests errors latency...}.
     */
    private void keepSamples(Scenario scenario, int run, Instant started, Instant end) throws IOException {
        Map<String, RequestSamples.Window> windows = samples.since(started, List.of(CANARY, BASELINE));
        StringBuilder lines = new StringBuilder();
        for (Map.Entry<String, RequestSamples.Window> entry : windows.entrySet()) {
            RequestSamples.Window window = entry.getValue();
            lines.append(scenario.name()).append(' ').append(run).append(' ').append(entry.getKey()).append(' ')
                    .append(window.requests()).append(' ').append(window.errors()).append(' ')
                    .append(Duration.between(started, end).toMillis());
            for (double latency : window.latenciesMillis()) {
                lines.append(' ').append(String.format(Locale.ROOT, "%.3f", latency));
            }
            lines.append('\n');
        }
        Files.writeString(out.resolve("samples.txt"), lines, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    // ------------------------------------------------------------------ database and processes

    private void startDatabase() throws Exception {
        postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off").start();
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE bench");
        }
        jdbcUrl = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/bench?user=postgres";
        SchemaEngine engine = new SchemaEngine(postgres.getDatabase("postgres", "bench"), "public",
                SchemaOptions.defaults().withActor("bench"));
        engine.init();
        for (String migration : List.of("001_initial.yaml", "002_split_name.yaml")) {
            engine.start(MigrationFile.parse(home.resolve("examples/orders/migrations/" + migration)), BackfillListener.NONE);
            engine.complete();
        }
        customers = 2000;
        try (Connection connection = postgres.getDatabase("postgres", "bench").getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO public_v2.customers (first_name, last_name, email) SELECT 'Ada' || i,"
                    + " 'Lovelace', 'ada' || i || '@example.com' FROM generate_series(1, " + customers + ") i");
            statement.execute("INSERT INTO public_v2.orders (customer_id, amount_cents) SELECT 1 + i % "
                    + customers + ", i FROM generate_series(1, 5000) i");
        }
    }

    /** One process of the sample service. */
    private record Release(String revision, Process process, URI uri) {
        void stop() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void restart(String revision, String jar, Map<String, String> env) throws Exception {
        Release old = backends.remove(revision);
        if (old != null) {
            reroute(); // off the router before it stops, so its last requests do not fail
            old.stop();
        }
        // On a machine at load 40 a fresh JVM sometimes never answers its first probe: try again rather than end
        // the whole batch (each attempt stops its process when it gives up).
        for (int attempt = 1; ; attempt++) {
            try {
                startBackend(revision, jar, env);
                return;
            } catch (IllegalStateException e) {
                if (attempt == 3) {
                    throw e;
                }
                System.out.println(e.getMessage() + "; starting it again");
            }
        }
    }

    private void startBackend(String revision, String jar, Map<String, String> env) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx192m", "-XX:+UseSerialGC", "-jar",
                home.resolve("examples/orders/target/" + jar).toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(out.resolve(revision + ".log").toFile()));
        builder.environment().putAll(Map.of("PORT", String.valueOf(port), "DATABASE_URL", jdbcUrl,
                "DATABASE_SCHEMA", "public_v2", "PGAPPNAME", "orders/" + revision));
        builder.environment().putAll(env);
        Release backend = new Release(revision, builder.start(), URI.create("http://127.0.0.1:" + port));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos(); // a JVM start on a loaded machine takes a minute
        while (true) {
            try {
                if (probes.send(HttpRequest.newBuilder(backend.uri().resolve("/ready")).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || !backend.process().isAlive()) {
                backend.stop();
                throw new IllegalStateException(revision + " did not become ready; see " + out.resolve(revision + ".log"));
            }
            Thread.sleep(200);
        }
        recorders.computeIfAbsent(revision, r -> new Recorder());
        backends.put(revision, backend);
        reroute();
    }

    private void reroute() {
        if (router == null) {
            return;
        }
        // every release that runs gets an equal share, as an experiment step gives baseline and canary the same weight
        router.route(new RouteTable(backends.values().stream().map(release -> new Backend(release.revision(), 1,
                List.of(new Endpoint("127.0.0.1", release.uri().getPort())))).toList(), List.of()));
    }

    // ------------------------------------------------------------------ load and samples

    private void startLoad(ScheduledExecutorService scheduler) {
        double perTick = Double.parseDouble(options.get("rate")) / 100.0;
        double[] owed = {0};
        long[] sent = {0};
        String[] revisions = {STABLE, BASELINE, CANARY};
        scheduler.scheduleAtFixedRate(() -> {
            try {
                owed[0] += perTick;
                while (owed[0] >= 1) {
                    owed[0]--;
                    if (router != null) {
                        send(URI.create("http://127.0.0.1:" + router.address().getPort()), null);
                    } else {
                        Release release = backends.get(revisions[(int) (sent[0]++ % 3)]);
                        if (release != null) {
                            send(release.uri(), recorders.get(release.revision()));
                        }
                    }
                }
            } catch (RuntimeException e) {
                e.printStackTrace(); // keep the load going: a lost tick is a few requests
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
    }

    /** One request of the mix (20 % order writes, 10 % order lists, 70 % customer reads); recorded when direct. */
    private void send(URI base, Recorder recorder) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        double draw = random.nextDouble();
        HttpRequest.Builder request;
        if (draw < 0.2) {
            request = HttpRequest.newBuilder(base.resolve("/orders")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"customerId\":" + (1 + random.nextInt(customers))
                            + ",\"amountCents\":" + random.nextInt(10_000) + "}"));
        } else if (draw < 0.3) {
            request = HttpRequest.newBuilder(base.resolve("/customers/" + (1 + random.nextInt(customers)) + "/orders?limit=10")).GET();
        } else {
            request = HttpRequest.newBuilder(base.resolve("/customers/" + (1 + random.nextInt(customers)))).GET();
        }
        long started = System.nanoTime();
        http.sendAsync(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, failure) -> {
                    if (recorder != null) {
                        recorder.add((System.nanoTime() - started) / 1e6, failure != null || response.statusCode() >= 500);
                    }
                });
    }

    /** Every request a revision answered: when it ended, its latency and whether it failed. */
    private static final class Recorder {
        private long[] endedAt = new long[1 << 16];
        private double[] latencies = new double[1 << 16];
        private boolean[] failed = new boolean[1 << 16];
        private int size;

        synchronized void add(double latency, boolean failure) {
            if (size == latencies.length) {
                endedAt = Arrays.copyOf(endedAt, size * 2);
                latencies = Arrays.copyOf(latencies, size * 2);
                failed = Arrays.copyOf(failed, size * 2);
            }
            endedAt[size] = System.currentTimeMillis();
            latencies[size] = latency;
            failed[size++] = failure;
        }

        /** Requests that ended at or after {@code start} (appended in the order they ended). */
        synchronized RequestSamples.Window since(long start) {
            int from = Arrays.binarySearch(endedAt, 0, size, start);
            from = from < 0 ? -from - 1 : from;
            while (from > 0 && endedAt[from - 1] >= start) {
                from--;
            }
            long errors = 0;
            for (int i = from; i < size; i++) {
                errors += failed[i] ? 1 : 0;
            }
            return new RequestSamples.Window(Arrays.copyOfRange(latencies, from, size), size - from, errors);
        }

        synchronized int size() {
            return size;
        }
    }

    /** What the statistical judge reads, as it would read the router's samples. */
    private final class Reader implements RequestSamples {
        @Override
        public Map<String, Window> since(Instant start, List<String> revisions) {
            Map<String, Window> windows = new LinkedHashMap<>();
            for (String revision : revisions) {
                Recorder recorder = recorders.get(revision);
                windows.put(revision, recorder == null ? new Window(new double[0], 0, 0) : recorder.since(start.toEpochMilli()));
            }
            return windows;
        }
    }
}
