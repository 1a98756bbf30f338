package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.slipway.cli.CliHarness.await;

/**
 * Slipway as a user runs it, for process-level end-to-end tests: {@code slipway up} and every client command are
 * separate OS processes on one working directory, so a test can kill {@code up} with SIGKILL and read exit codes
 * and output exactly as a terminal shows them.
 *
 * <p>The processes run the classes of this build ({@code java -cp <test classpath> dev.slipway.cli.SlipwayCommand}),
 * which is what {@code cli/target/slipway.jar} packages; a stale jar from an earlier build cannot be picked up.
 * Every process started for a test carries the working directory in its command line (replicas through
 * {@link #replicaMarker}), so {@link #close} finds and ends all of them — the router and replicas that a killed
 * {@code up} left behind included — even when the test fails.
 */
final class SlipwayProcesses implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path directory;
    final Path state;
    private final List<Process> upProcesses = new ArrayList<>();
    private int upCount;

    SlipwayProcesses(Path directory) {
        this.directory = directory.toAbsolutePath();
        this.state = this.directory.resolve(".slipway");
    }

    /** Put in a replica's command line: marks it as this test's ({@code -Dslipway.e2e=<dir>}) and names its revision. */
    String replicaMarker(String revision) {
        return "-Dslipway.e2e=" + directory + "/" + revision;
    }

    /** The repository root, where the orders jars and migrations are. */
    static Path home() {
        return Path.of(System.getProperty("slipway.home", "..")).toAbsolutePath().normalize();
    }

    /**
     * Writes {@code slipway-VERSION.yaml}: the orders service (its 1.0.0 jar, marked as this test's, schema [1, 1],
     * two replicas) on {@code databaseName} of {@code database}, whose password is in {@code passwordFile}, with the
     * router on {@code routerPort} and the given {@code health:} and {@code strategy:} blocks.
     */
    Path ordersSpec(Database database, String databaseName, Path passwordFile, int routerPort, String version,
                    String health, String strategy) {
        return ordersSpec("{url: \"%s?user=%s\", passwordFile: \"%s\"}".formatted(database.jdbcUrl(databaseName),
                database.user(), passwordFile), routerPort, version, health, strategy);
    }

    /**
     * As above, on the database that the {@code database:} block {@code database} (flow-style YAML) names: {@code
     * {url: embedded}} is the embedded server that {@code up} starts in the state directory.
     */
    Path ordersSpec(String database, int routerPort, String version, String health, String strategy) {
        Path jar = home().resolve("examples/orders/target/orders-1.0.0.jar");
        Path file = directory.resolve("slipway-" + version + ".yaml");
        try {
            Files.writeString(file, """
                    service: orders
                    database: %s
                    runtime: local
                    router: {listen: 127.0.0.1:%d}
                    release:
                      version: %s
                      run:
                        command: [java, -Xmx64m, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, "%s", -jar, "%s"]
                      schema: [1, 1]
                      replicas: 2
                      health:
                    %s
                      strategy:
                    %s
                    """.formatted(database, routerPort, version,
                    replicaMarker(version), jar, health.indent(4).stripTrailing(), strategy.indent(4).stripTrailing()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Starts {@code slipway up -f spec} and returns once its API answers (api.json names this process). */
    Process up(Path spec) {
        int number = ++upCount;
        Path log = directory.resolve("up-" + number + ".log");
        Process process;
        try {
            process = new ProcessBuilder(command("up", "-f", spec.toString(), "--state-dir", state.toString()))
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        upProcesses.add(process);
        await(Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("up exited with " + process.exitValue() + ":\n" + read(log));
            }
            return dev.slipway.server.ApiDescriptor.read(state).filter(d -> d.pid() == process.pid()).isPresent();
        });
        return process;
    }

    /**
     * Writes {@code slipway-<version>.yaml}: the orders sample as local processes (two replicas, readiness on /ready)
     * on {@code databaseName} of the test's own {@code database}, with {@code strategy} (YAML under
     * {@code strategy:}). The start period is generous: a loaded machine starts a JVM slowly, and it only bounds the
     * wait for a replica that never gets ready.
     */
    Path ordersSpec(Database database, String databaseName, Path passwordFile, int routerPort, String version,
                    String strategy) throws IOException {
        return ordersSpec(database, databaseName, passwordFile, routerPort, version,
                "readiness: {path: /ready, period: 250ms, timeout: 1s, failureThreshold: 2, startPeriod: 120s}", strategy);
    }

    /** What the {@code number}th {@code up} printed so far (1 is the first). */
    String upOutput(int number) {
        return read(directory.resolve("up-" + number + ".log"));
    }

    /** SIGTERM, as Ctrl-C: up stops its replicas and the router. Returns the exit code. */
    int stop(Process up) throws InterruptedException {
        up.destroy();
        if (!up.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("up did not stop within 60 s of SIGTERM");
        }
        return up.exitValue();
    }

    /** Runs one client command ({@code status --json}, {@code schema start FILE}, ...) on this state directory. */
    CliHarness.Result cli(String... arguments) {
        List<String> withState = new ArrayList<>(List.of(arguments));
        withState.addAll(List.of("--state-dir", state.toString()));
        try {
            Path out = Files.createTempFile(directory, "cli", ".out");
            Path err = Files.createTempFile(directory, "cli", ".err");
            Process process = new ProcessBuilder(command(withState.toArray(String[]::new)))
                    .directory(directory.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("slipway " + String.join(" ", arguments) + " did not finish within 120 s");
            }
            CliHarness.Result result = new CliHarness.Result(process.exitValue(), read(out), read(err));
            Files.delete(out);
            Files.delete(err);
            System.out.println("$ slipway " + String.join(" ", arguments) + "  -> " + result.exitCode()
                    + "\n" + result.out() + result.err());
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code slipway status --json}, parsed; fails the test when the command fails. */
    JsonNode status() {
        CliHarness.Result result = cli("status", "--json");
        if (result.exitCode() != 0) {
            throw new AssertionError("status failed: " + result.err());
        }
        return parse(result.out());
    }

    /** The status straight from the API (no JVM start): for polling. */
    JsonNode apiStatus() {
        ApiClient.ApiResponse response = ApiClient.fromStateDirectory(state).get("/api/v1/status");
        if (!response.ok()) {
            throw new AssertionError("status: " + response.error());
        }
        return response.body();
    }

    /** Waits until the rollout of {@code version} is PAUSED at {@code weight} percent, as the API reports it. */
    void awaitPaused(String version, int weight, Duration timeout) {
        await(timeout, () -> {
            JsonNode rollout = apiStatus().path("rollout");
            return rollout.path("to").asText().equals(version) && rollout.path("phase").asText().equals("PAUSED")
                    && rollout.path("weight").asInt() == weight;
        });
    }

    /** Every live process this test started, found by the working directory in its command line. */
    List<ProcessHandle> ourProcesses() {
        String marker = directory.toString();
        return ProcessHandle.allProcesses()
                .filter(process -> process.pid() != ProcessHandle.current().pid())
                .filter(process -> commandLine(process).contains(marker))
                .filter(ProcessHandle::isAlive)
                .collect(Collectors.toList());
    }

    /**
     * The whole command line from {@code /proc}: {@link ProcessHandle.Info#commandLine()} cuts long ones short, and
     * the router's and up's marker comes after a classpath of several kilobytes.
     */
    private static String commandLine(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException | RuntimeException gone) {
            return process.info().commandLine().orElse("");
        }
    }

    /** The live orders replicas of this test, by the revision in their marker. */
    List<String> runningReplicaRevisions() {
        String prefix = "-Dslipway.e2e=" + directory + "/";
        List<String> revisions = new ArrayList<>();
        for (ProcessHandle process : ourProcesses()) {
            for (String argument : commandLine(process).split(" ")) {
                if (argument.startsWith(prefix)) {
                    revisions.add(argument.substring(prefix.length()));
                }
            }
        }
        return revisions;
    }

    /** The process ids of the live replicas of {@code revision}. */
    List<Long> replicaPids(String revision) {
        String marker = "-Dslipway.e2e=" + directory + "/" + revision + " ";
        return ourProcesses().stream().filter(process -> (commandLine(process) + " ").contains(marker))
                .map(ProcessHandle::pid).sorted().toList();
    }

    /** Ends everything this test started: each up with SIGTERM, then SIGKILL for whatever is left. */
    @Override
    public void close() {
        for (Process up : upProcesses) {
            if (up.isAlive()) {
                up.destroy();
                try {
                    up.waitFor(40, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            List<ProcessHandle> left = ourProcesses();
            if (left.isEmpty()) {
                return;
            }
            left.forEach(attempt == 0 ? ProcessHandle::destroy : ProcessHandle::destroyForcibly);
            left.forEach(process -> process.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join());
        }
    }

    private List<String> command(String... arguments) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dslipway.logs=" + state.resolve("logs"),
                "-cp", System.getProperty("java.class.path"), SlipwayCommand.class.getName()));
        command.addAll(List.of(arguments));
        return command;
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
