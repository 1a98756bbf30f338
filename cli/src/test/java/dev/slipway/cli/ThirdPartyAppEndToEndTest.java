package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testkit.TestServices;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.slipway.cli.CliHarness.await;
import static dev.slipway.cli.CliHarness.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15 item 3: an app that is not on the JVM and was not written for Slipway — Python's {@code http.server}
 * (one thread per connection, HTTP/1.1 keep-alive, a listen backlog of 4, no {@code /live}, no graceful shutdown) —
 * with a spec that sets only {@code health.readiness.path}, two replicas, under {@code wrk -c8} through the router
 * the whole time. Through the real command line: {@code up}, {@code schema start}, {@code apply} of 1.0.0, a canary
 * of 2.0.0 that is promoted, a faulty 3.0.0 (30 % of its answers are 500) that the analysis aborts, and
 * {@code rollout undo --to 1.0.0}; then a 4.0.0 whose readiness path the app does not serve, refused with the reason.
 * Not one request may fail, except 3.0.0's own 500s while it held weight.
 *
 * <p>The suite runs the sequence once; {@code -Dslipway.thirdparty.runs=N} runs it N times in a row
 * ({@code bench/thirdparty/run.sh} does, for the 20-run proof).
 */
class ThirdPartyAppEndToEndTest {
    /** Kept when a run fails: up-1.log, wrk.out and .slipway/logs/ explain what happened. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    @TestFactory
    Stream<DynamicTest> aPythonAppRollsForwardAbortsAndUndoesUnderLoadWithoutOneFailedRequest() {
        TestServices.require(TestServices.onPath("wrk"), "wrk is not installed (apt-get install wrk; .ci/run does)");
        TestServices.require(TestServices.onPath("python3"), "python3 is not installed (apt-get install python3)");
        int runs = Integer.getInteger("slipway.thirdparty.runs", 1);
        return IntStream.rangeClosed(1, runs).mapToObj(run -> DynamicTest.dynamicTest("run " + run + " of " + runs,
                () -> sequence(root.resolve("run-" + run))));
    }

    private void sequence(Path directory) throws Exception {
        Files.createDirectories(directory);
        copyResource("thirdparty/greeter.py", directory.resolve("greeter.py"));
        copyResource("thirdparty/outcomes.lua", directory.resolve("outcomes.lua"));
        Files.writeString(directory.resolve("001_visits.yaml"), """
                operations:
                  - create_table:
                      name: visits
                      columns:
                        - {name: id, type: bigserial, pk: true}
                        - {name: at, type: timestamptz}
                """);
        int routerPort = CliHarness.freePort();
        try (SlipwayProcesses slipway = new SlipwayProcesses(directory)) {
            Process up = slipway.up(spec(directory, routerPort, "1.0.0", "", "canary: {steps: [{setWeight: 100}]}"));
            succeeds(slipway.cli("schema", "start", directory.resolve("001_visits.yaml").toString()));
            succeeds(slipway.cli("apply", "-f", directory.resolve("greeter-1.0.0.yaml").toString()));
            await(Duration.ofSeconds(60), () -> stable(slipway, "1.0.0"));

            Wrk wrk = Wrk.start(directory, routerPort);
            sleep(2000); // load on 1.0.0 alone first

            succeeds(slipway.cli("apply", "-f", spec(directory, routerPort, "2.0.0", "",
                    "canary: {steps: [{setWeight: 50}, {pause: {}}]}").toString()));
            await(Duration.ofSeconds(60), () -> {
                JsonNode rollout = slipway.apiStatus().path("rollout");
                return rollout.path("to").asText().equals("2.0.0") && rollout.path("phase").asText().equals("PAUSED");
            });
            sleep(2000); // both releases serve
            succeeds(slipway.cli("rollout", "promote"));
            await(Duration.ofSeconds(60), () -> stable(slipway, "2.0.0") && rolloutIs(slipway, "2.0.0", "PROMOTED"));
            // 2.0.0 serves alone for longer than three liveness periods of the old default (/live every 5 s): an app
            // without /live had both replicas restarted at the same moment here, and nothing served
            sleep(20_000);

            succeeds(slipway.cli("apply", "-f", spec(directory, routerPort, "3.0.0", "0.3", """
                    canary:
                      steps:
                        - setWeight: 50
                        - analysis: {errorRate: {max: 0.05}, minRequests: 100, window: 60s}
                        - setWeight: 100""").toString()));
            await(Duration.ofSeconds(90), () -> rolloutIs(slipway, "3.0.0", "ABORTED"));
            assertThat(slipway.apiStatus().path("stable").path("version").asText()).isEqualTo("2.0.0");

            succeeds(slipway.cli("rollout", "undo", "--to", "1.0.0"));
            await(Duration.ofSeconds(60), () -> stable(slipway, "1.0.0") && rolloutIs(slipway, "1.0.0", "PROMOTED")
                    && slipway.apiStatus().path("canary").isNull());
            // a release whose readiness path the app does not serve: refused within seconds, naming the path
            succeeds(slipway.cli("apply", "-f", spec(directory, routerPort, "4.0.0", "", "canary: {steps: [{setWeight: 50}]}")
                    .toString()));
            await(Duration.ofSeconds(30), () -> rolloutIs(slipway, "4.0.0", "ABORTED"));
            assertThat(slipway.apiStatus().path("rollout").path("message").asText())
                    .contains("readiness path /health answered 404 Not Found");
            sleep(2000); // load on 1.0.0 alone again

            Map<String, Long> outcomes = wrk.stop();
            System.out.println("wrk through the router: " + outcomes);
            assertThat(outcomes.getOrDefault("200 1.0.0", 0L)).as("answers of 1.0.0").isPositive();
            assertThat(outcomes.getOrDefault("200 2.0.0", 0L)).as("answers of 2.0.0").isPositive();
            assertThat(outcomes.getOrDefault("500 3.0.0", 0L)).as("the faulty release held weight").isPositive();
            Map<String, Long> failed = new TreeMap<>(outcomes);
            failed.keySet().removeIf(outcome -> outcome.startsWith("200 ") || outcome.equals("500 3.0.0"));
            failed.values().removeIf(count -> count == 0);
            assertThat(failed).as("failed requests other than 3.0.0's own 500s (see " + directory + ")").isEmpty();

            try (Stream<Path> logs = Files.list(slipway.state.resolve("logs"))) {
                for (Path log : logs.filter(file -> file.getFileName().toString().startsWith("greeter-")).toList()) {
                    assertThat(Files.readString(log)).as(log.toString()).doesNotContain("restarting greeter-");
                }
            }
            assertOwnerOnly(slipway.state);
            assertThat(slipway.stop(up)).isIn(0, 143);
        }
    }

    /** Issue #15 item 2: every directory under the state directory is 0700 and every file 0600, the state directory too. */
    private static void assertOwnerOnly(Path state) throws IOException {
        List<String> loose = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(state)) {
            for (Path path : paths.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
                String wanted = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
                if (!mode.equals(wanted)) {
                    loose.add(state.relativize(path) + " " + mode);
                }
            }
        }
        assertThat(loose).as("files and directories others may read under " + state).isEmpty();
    }

    private static boolean stable(SlipwayProcesses slipway, String version) {
        JsonNode stable = slipway.apiStatus().path("stable");
        return stable.path("version").asText().equals(version) && stable.path("readyReplicas").asInt() == 2;
    }

    private static boolean rolloutIs(SlipwayProcesses slipway, String to, String phase) {
        JsonNode rollout = slipway.apiStatus().path("rollout");
        return rollout.path("to").asText().equals(to) && rollout.path("phase").asText().equals(phase);
    }

    private static void succeeds(CliHarness.Result result) {
        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
    }

    /**
     * A spec as a new user writes it: only the readiness path under health, the embedded database by default. 4.0.0
     * names a path the app does not serve (/health rather than /healthz).
     */
    private static Path spec(Path directory, int routerPort, String version, String failureShare, String strategy)
            throws IOException {
        Path file = directory.resolve("greeter-" + version + ".yaml");
        Files.writeString(file, """
                service: greeter
                router: {listen: 127.0.0.1:%d}
                release:
                  version: %s
                  run: {command: [python3, "%s", "%s"%s]}
                  schema: 1
                  replicas: 2
                  health:
                    readiness: {path: %s}
                  strategy:
                %s
                """.formatted(routerPort, version, directory.resolve("greeter.py"), version,
                failureShare.isEmpty() ? "" : ", \"" + failureShare + "\"",
                version.equals("4.0.0") ? "/health" : "/healthz", strategy.indent(4).stripTrailing()));
        return file;
    }

    private static void copyResource(String name, Path target) throws IOException {
        try (InputStream in = ThirdPartyAppEndToEndTest.class.getClassLoader().getResourceAsStream(name)) {
            Files.copy(in, target);
        }
    }

    /** {@code wrk -c8 -t2} through the router until stopped; counts every response by status and app version. */
    private record Wrk(Process process, Path output) {
        static Wrk start(Path directory, int routerPort) {
            Path output = directory.resolve("wrk.out");
            try {
                Process process = new ProcessBuilder("wrk", "-c8", "-t2", "-d600s", "--timeout", "10s",
                        "-s", directory.resolve("outcomes.lua").toString(), "http://127.0.0.1:" + routerPort + "/")
                        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
                return new Wrk(process, output);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** SIGINT, as Ctrl-C: wrk stops and prints what its script counted ({@code outcome STATUS VERSION N}). */
        Map<String, Long> stop() throws IOException, InterruptedException {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("wrk ends on SIGINT").isTrue();
            String text = Files.readString(output, StandardCharsets.UTF_8);
            System.out.println(text);
            Map<String, Long> outcomes = new TreeMap<>();
            for (String line : text.lines().toList()) {
                List<String> words = List.of(line.trim().split("\\s+"));
                if (words.size() == 4 && words.get(0).equals("outcome")) {
                    outcomes.merge(words.get(1) + " " + words.get(2), Long.parseLong(words.get(3)), Long::sum);
                } else if (words.size() == 3 && words.get(0).equals("errors")) {
                    outcomes.put("socket error " + words.get(1), Long.parseLong(words.get(2)));
                }
            }
            assertThat(outcomes).as("wrk printed its counts:\n" + text).isNotEmpty();
            return outcomes;
        }
    }
}
