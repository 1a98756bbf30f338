package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.slipway.cli.CliHarness.await;
import static dev.slipway.cli.CliHarness.freePort;
import static dev.slipway.cli.CliHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code slipway up} in-process on a fresh state directory with the orders sample service, driven by the client
 * commands and the API as a user would: schema 1 first, then {@code apply}, then status and refusals.
 */
class UpCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    @Test
    void upServesTheApiAndTheClientCommandsDriveTheService() throws Exception {
        Path home = Path.of(System.getProperty("slipway.home", "..")).toAbsolutePath().normalize();
        Path jar = home.resolve("examples/orders/target/orders-1.0.0.jar");
        assertThat(jar).as("built by mvn package").isRegularFile();
        Path state = directory.resolve("state");
        int routerPort = freePort();
        Path spec = directory.resolve("slipway.yaml");
        Files.writeString(spec, """
                service: orders
                database: {url: embedded}
                runtime: local
                router: {listen: 127.0.0.1:%d}
                release:
                  version: 1.0.0
                  run:
                    command: [java, -Xmx96m, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -jar, "%s"]
                  schema: [1, 1]
                  replicas: 2
                  health:
                    readiness: {path: /ready, period: 250ms, timeout: 1s, failureThreshold: 3, startPeriod: 30s}
                    liveness: {path: /live, period: 2s, failureThreshold: 3, startPeriod: 30s}
                  strategy:
                    canary:
                      steps:
                        - setWeight: 100
                """.formatted(routerPort, jar));

        // no controller yet: client commands say how to start one
        CliHarness.Result missing = run("status", "--state-dir", state.toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no Slipway controller is running here (start one with slipway up -f slipway.yaml)");

        AtomicInteger upExit = new AtomicInteger(-1);
        Thread up = new Thread(() -> upExit.set(SlipwayCommand.execute("up", "-f", spec.toString(),
                "--state-dir", state.toString())), "test-slipway-up");
        up.start();
        try {
            Path apiJson = state.resolve("api.json");
            await(Duration.ofSeconds(40), () -> Files.isRegularFile(apiJson));
            ApiClient api = ApiClient.fromStateDirectory(state);
            assertThat(api.service()).isEqualTo("orders");

            // a fresh database reads no schema version yet: up did not apply 1.0.0, and apply is refused too
            CliHarness.Result refused = run("apply", "-f", spec.toString(), "--state-dir", state.toString());
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.err()).startsWith("refused:").contains("1.0.0 reads schema [1, 1]");

            Path migration = home.resolve("examples/orders/migrations/001_initial.yaml");
            ApiClient.ApiResponse started = api.post("/api/v1/schema/start?file=001_initial.yaml", Files.readAllBytes(migration));
            assertThat(started.status()).as(started.body().toString()).isEqualTo(200);
            assertThat(api.post("/api/v1/schema/complete", "").ok()).isTrue();

            CliHarness.Result applied = run("apply", "-f", spec.toString(), "--state-dir", state.toString());
            assertThat(applied.exitCode()).as(applied.err()).isZero();
            assertThat(applied.out()).contains("applying orders 1.0.0");

            await(Duration.ofSeconds(45), () -> {
                JsonNode stable = api.get("/api/v1/status").body().path("stable");
                return stable.path("readyReplicas").asInt() == 2;
            });
            HttpResponse<String> throughRouter = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + routerPort + "/customers?afterId=0&limit=5")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(throughRouter.statusCode()).isEqualTo(200);
            assertThat(throughRouter.headers().firstValue("X-Orders-Version")).contains("1.0.0");

            CliHarness.Result status = run("status", "--state-dir", state.toString());
            assertThat(status.exitCode()).isZero();
            assertThat(status.out()).startsWith("orders  stable 1.0.0 [1, 1] 2/2 ready | schema {1} | rollout 1.0.0 PROMOTED");

            CliHarness.Result rolloutStatus = run("rollout", "status", "--watch", "--state-dir", state.toString());
            assertThat(rolloutStatus.exitCode()).isZero();
            assertThat(rolloutStatus.out()).contains("orders (first deploy) -> 1.0.0  PROMOTED")
                    .contains("stable 1.0.0 [1, 1] 2/2 ready | schema {1}");

            // schema status reads the database directly: it attaches to the embedded server up runs (it used to
            // fail on the server's lock) and reads the service's database, not the server's default one
            java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
            java.io.PrintStream standardOut = System.out;
            System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
            CliHarness.Result schemaStatus;
            try {
                schemaStatus = run("schema", "status", "--state-dir", state.toString());
            } finally {
                System.setOut(standardOut);
            }
            assertThat(schemaStatus.exitCode()).as(schemaStatus.err()).isZero();
            assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8)).startsWith("schema public: state {1}")
                    .contains("001_initial");

            CliHarness.Result json = run("status", "--json", "--state-dir", state.toString());
            JsonNode parsed = JSON.readTree(json.out());
            assertThat(parsed.path("stable").path("schema").toString()).isEqualTo("[1,1]");
            assertThat(parsed.path("rollout").path("phase").asText()).isEqualTo("PROMOTED");

            CliHarness.Result abort = run("rollout", "abort", "--reason", "test", "--state-dir", state.toString());
            assertThat(abort.exitCode()).isEqualTo(1);
            assertThat(abort.err()).isEqualTo("error: no rollout is in progress for orders" + System.lineSeparator());

            CliHarness.Result undo = run("rollout", "undo", "--state-dir", state.toString());
            assertThat(undo.exitCode()).isEqualTo(1);
            assertThat(undo.err()).contains("nothing to undo");

            CliHarness.Result history = run("rollout", "history", "--limit", "50", "--state-dir", state.toString());
            assertThat(history.exitCode()).isZero();
            assertThat(history.out()).contains("deploy 1.0.0  done").contains("schema start of version 1")
                    .contains("refused");
        } finally {
            up.interrupt();
            up.join(Duration.ofSeconds(40).toMillis());
        }
        assertThat(up.isAlive()).as("up stopped").isFalse();
        assertThat(upExit.get()).isZero();
        assertThat(state.resolve("api.json")).doesNotExist();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("orders-1.0.0")))
                .as("orders processes left running").isEmpty();
    }

    @Test
    void aSpecErrorStopsUpWithItsLocation() throws Exception {
        Path spec = directory.resolve("slipway.yaml");
        Files.writeString(spec, """
                service: orders
                router: {listen: 10.0.0.300:8080}
                """);
        CliHarness.Result result = run("up", "-f", spec.toString(), "--state-dir", directory.resolve("state").toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("error: " + spec + ":2:18: ").contains("'10.0.0.300' is not an IP address");
    }
}
