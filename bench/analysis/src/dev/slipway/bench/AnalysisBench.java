package dev.slipway.bench;

import dev.slipway.analysis.provider.Providers;
import dev.slipway.analysis.provider.RequestSamples;
import dev.slipway.analysis.run.AnalysisRun;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.MetricStatus;
import dev.slipway.analysis.run.Phase;
import dev.slipway.model.AnalysisRunSpec;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.SpecParser;
import dev.slipway.model.StrategySpec;
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
 * latency, a release holding a heavy lock. Stable, baseline and canary each get a third of the load, which the
 * harness sends straight to them and records per request (latency, failure), as the router's samples would.
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
    private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
    private final Map<String, Backend> backends = new ConcurrentHashMap<>();
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
                "runs", "", "aa-runs", "200", "power-runs", "40", "rate", "180", "interval", "4s", "count", "3",
                "restart-every", "20", "warmup", "8"));
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
        AnalysisRunSpec spec = analysis();
        // Ctrl-C or kill: the releases this harness started go with it
        java.lang.Runtime.getRuntime().addShutdownHook(new Thread(() -> backends.values().forEach(Backend::stop)));
        startDatabase();
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        ExecutorService measurements = Executors.newCachedThreadPool();
        List<String> table = new ArrayList<>();
        try {
            startBackend(STABLE, "orders-2.0.0.jar", Map.of());
            startLoad(load);
            for (Scenario scenario : scenarios) {
                int runs = Integer.parseInt(options.get("runs").isEmpty()
                        ? options.get(scenario.name().equals("aa") ? "aa-runs" : "power-runs") : options.get("runs"));
                table.add(runScenario(scenario, runs, spec, measurements));
            }
        } finally {
            load.shutdownNow();
            measurements.shutdownNow();
            backends.values().forEach(Backend::stop);
            postgres.close();
        }
        String header = String.format(Locale.ROOT, "%-8s %-28s %5s %7s %7s %7s %9s %9s %9s  %s", "scenario", "release",
                "runs", "failed", "incon.", "errors", "rate", "TTD p50", "TTD max", "caught by");
        String report = "analysis: " + options + "\n" + header + "\n" + String.join("\n", table) + "\n";
        Files.writeString(out.resolve("results.txt"), report);
        System.out.println();
        System.out.print(report);
    }

    /** The analysis README.md recommends, with the bench's interval and count. */
    private AnalysisRunSpec analysis() {
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
                                metrics: [{name: latency, source: router.latency, critical: true}]
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
                """.formatted(options.get("interval"), options.get("count"));
        StrategySpec.Canary canary = (StrategySpec.Canary) SpecParser.parse("bench.yaml", yaml).release().strategy();
        return ((CanaryStep.TemplateAnalysis) canary.steps().get(0)).run();
    }

    private String runScenario(Scenario scenario, int runs, AnalysisRunSpec spec, ExecutorService executor)
            throws Exception {
        int failed = 0;
        int inconclusive = 0;
        int errors = 0;
        List<Double> detection = new ArrayList<>();
        Map<String, Integer> caughtBy = new LinkedHashMap<>();
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
            Providers providers = new Providers(new Providers.Environment("orders", null, Reader::new,
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
            String line = String.format(Locale.ROOT, "%s run %d: %s in %.1f s (requests so far: %s): %s",
                    scenario.name(), i + 1, status.phase(), seconds, sizes(), status.message());
            System.out.println(line);
            Files.writeString(out.resolve("runs.txt"), line + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            switch (status.phase()) {
                case FAILED -> {
                    failed++;
                    detection.add(seconds);
                    for (MetricStatus metric : status.metrics()) {
                        if (metric.phase() == Phase.FAILED) {
                            caughtBy.merge(metric.name(), 1, Integer::sum);
                        }
                    }
                }
                case INCONCLUSIVE -> inconclusive++;
                case ERROR -> errors++;
                default -> {
                }
            }
        }
        double[] sorted = detection.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(Locale.ROOT, "%-8s %-28s %5d %7d %7d %7d %8.1f%% %8s %9s  %s", scenario.name(),
                scenario.expectation(), runs, failed, inconclusive, errors, 100.0 * failed / runs,
                sorted.length == 0 ? "-" : String.format(Locale.ROOT, "%.1f s", sorted[sorted.length / 2]),
                sorted.length == 0 ? "-" : String.format(Locale.ROOT, "%.1f s", sorted[sorted.length - 1]), caughtBy);
    }

    private String sizes() {
        Map<String, Integer> sizes = new java.util.TreeMap<>();
        recorders.forEach((revision, recorder) -> sizes.put(revision, recorder.size()));
        return sizes.toString();
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
    private record Backend(String revision, Process process, URI uri) {
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
        Backend old = backends.remove(revision);
        if (old != null) {
            old.stop();
        }
        startBackend(revision, jar, env);
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
        Backend backend = new Backend(revision, builder.start(), URI.create("http://127.0.0.1:" + port));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(backend.uri().resolve("/ready")).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || !backend.process().isAlive()) {
                throw new IllegalStateException(revision + " did not become ready; see " + out.resolve(revision + ".log"));
            }
            Thread.sleep(200);
        }
        recorders.computeIfAbsent(revision, r -> new Recorder());
        backends.put(revision, backend);
    }

    // ------------------------------------------------------------------ load and samples

    private void startLoad(ScheduledExecutorService scheduler) {
        double perTick = Double.parseDouble(options.get("rate")) / 100.0;
        double[] owed = {0};
        long[] sent = {0};
        scheduler.scheduleAtFixedRate(() -> {
            try {
                owed[0] += perTick;
                while (owed[0] >= 1) {
                    owed[0]--;
                    String[] revisions = {STABLE, BASELINE, CANARY};
                    Backend backend = backends.get(revisions[(int) (sent[0]++ % 3)]);
                    if (backend != null) {
                        send(backend);
                    }
                }
            } catch (RuntimeException e) {
                e.printStackTrace(); // keep the load going: a lost tick is a few requests
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
    }

    private void send(Backend backend) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        double draw = random.nextDouble();
        HttpRequest.Builder request;
        if (draw < 0.2) {
            request = HttpRequest.newBuilder(backend.uri().resolve("/orders")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"customerId\":" + (1 + random.nextInt(customers))
                            + ",\"amountCents\":" + random.nextInt(10_000) + "}"));
        } else if (draw < 0.3) {
            request = HttpRequest.newBuilder(backend.uri().resolve("/customers/" + (1 + random.nextInt(customers)) + "/orders?limit=10")).GET();
        } else {
            request = HttpRequest.newBuilder(backend.uri().resolve("/customers/" + (1 + random.nextInt(customers)))).GET();
        }
        long started = System.nanoTime();
        Recorder recorder = recorders.get(backend.revision());
        http.sendAsync(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding())
                .whenComplete((response, failure) -> recorder.add((System.nanoTime() - started) / 1e6,
                        failure != null || response.statusCode() >= 500));
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
