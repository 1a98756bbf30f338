package dev.slipway.cli;

import dev.slipway.cli.demo.LoadGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.slipway.cli.CliHarness.await;
import static dev.slipway.cli.CliHarness.freePort;
import static dev.slipway.cli.CliHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two environments, each its own {@code slipway up} with its own embedded database: 2.0.0 runs in test, soaks,
 * and reaches prod only through {@code slipway env promote} — after its soak, with approval, and once prod's
 * schema can be read by it (prod's own guard decides that). Prod serves load throughout; the client sees no
 * failed request.
 */
class EnvironmentsEndToEndTest {
    private static final Path HOME = Path.of(System.getProperty("slipway.home", "..")).toAbsolutePath().normalize();
    private static final Path MIGRATIONS = HOME.resolve("examples/orders/migrations");

    @TempDir
    Path directory;

    private final List<Thread> ups = new ArrayList<>();
    private LoadGenerator load;

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (load != null) {
            load.close();
        }
        for (Thread up : ups) {
            up.interrupt();
        }
        for (Thread up : ups) {
            up.join(Duration.ofSeconds(40).toMillis());
        }
    }

    @Test
    void aReleaseSoaksInTestAndIsPromotedToProdWithApproval() throws Exception {
        int testPort = freePort();
        int prodPort = freePort();
        Path testState = directory.resolve("test/.slipway");
        Path prodState = directory.resolve("prod/.slipway");
        Path testSpec = spec("test", testPort, "1.0.0", "orders-1.0.0.jar", "[1, 1]", 1, "rolling: {maxSurge: 1, maxUnavailable: 0}");
        Path prodSpec = spec("prod", prodPort, "1.0.0", "orders-1.0.0.jar", "[1, 1]", 2, """
                canary:
                      steps: [{setWeight: 50}, {pause: 1s}]""");
        startUp(testSpec, testState);
        startUp(prodSpec, prodState);
        for (Path state : List.of(testState, prodState)) {
            assertThat(run("schema", "start", MIGRATIONS.resolve("001_initial.yaml").toString(), "--state-dir", state.toString()).exitCode()).isZero();
            assertThat(run("schema", "complete", "--state-dir", state.toString()).exitCode()).isZero();
        }
        assertThat(run("apply", "-f", testSpec.toString(), "--state-dir", testState.toString()).exitCode()).isZero();
        assertThat(run("apply", "-f", prodSpec.toString(), "--state-dir", prodState.toString()).exitCode()).isZero();
        awaitStable(testState, "1.0.0");
        awaitStable(prodState, "1.0.0");

        Path environments = directory.resolve("environments.yaml");
        Files.writeString(environments, """
                service: orders
                environments:
                  test: {stateDir: test/.slipway}
                  prod:
                    stateDir: prod/.slipway
                    promotion: {from: test, soak: 6s, maxErrorRate: 0.01, minRequests: 20, approval: true}
                """);
        CliHarness.Result upToDate = run("env", "promote", "prod", "-f", environments.toString());
        assertThat(upToDate.exitCode()).isZero();
        assertThat(upToDate.out()).isEqualTo("prod already runs 1.0.0" + System.lineSeparator());

        // 2.0.0 reads only schema 2: test expands its schema first, then rolls 2.0.0 out
        assertThat(run("schema", "start", MIGRATIONS.resolve("002_split_name.yaml").toString(), "--state-dir", testState.toString()).exitCode()).isZero();
        Path testSpec2 = spec("test", testPort, "2.0.0", "orders-2.0.0.jar", "[2, 2]", 1, "rolling: {maxSurge: 1, maxUnavailable: 0}");
        assertThat(run("apply", "-f", testSpec2.toString(), "--state-dir", testState.toString()).exitCode()).isZero();
        awaitStable(testState, "2.0.0");

        seedCustomers(prodPort, 30);
        load = new LoadGenerator(URI.create("http://127.0.0.1:" + prodPort + "/"), 100, 30);
        load.start();

        // the soak is not over: promote says so and changes nothing
        CliHarness.Result early = run("env", "promote", "prod", "-f", environments.toString(), "--approve");
        assertThat(early.exitCode()).isEqualTo(EnvCommand.WAITING);
        assertThat(early.out()).startsWith("not yet: 2.0.0 has soaked ").contains("of 6s in test");

        // test must also see traffic to judge the error rate
        sendRequests(testPort, 40);
        CliHarness.Result status = run("env", "status", "-f", environments.toString());
        System.out.print(status.out());
        assertThat(status.out()).contains("test  stable 2.0.0 1/1 ready").contains("prod  stable 1.0.0 2/2 ready")
                .contains("promotion from test: ");

        // without approval the soaked release is blocked; --wait does not wait for a person
        await(Duration.ofSeconds(30), () -> run("env", "status", "-f", environments.toString()).out()
                .contains("blocked: 2.0.0 is ready for prod but needs approval"));
        CliHarness.Result unapproved = run("env", "promote", "prod", "-f", environments.toString(), "--wait");
        assertThat(unapproved.exitCode()).isEqualTo(1);
        assertThat(unapproved.err()).contains("blocked: 2.0.0 is ready for prod but needs approval: slipway env promote prod --approve");

        // approved, but prod's schema is {1}, which 2.0.0 cannot read: prod's guard refuses and nothing changes
        CliHarness.Result refused = run("env", "promote", "prod", "-f", environments.toString(), "--approve");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).startsWith("refused:").contains("2.0.0");
        assertThat(run("status", "--state-dir", prodState.toString()).out()).startsWith("orders  stable 1.0.0 [1, 1] 2/2 ready");

        // prod expands its schema; now the promotion goes through and prod rolls 2.0.0 out with its own canary
        assertThat(run("schema", "start", MIGRATIONS.resolve("002_split_name.yaml").toString(), "--state-dir", prodState.toString()).exitCode()).isZero();
        CliHarness.Result promoted = run("env", "promote", "prod", "-f", environments.toString(), "--approve", "--wait");
        assertThat(promoted.exitCode()).as(promoted.err()).isZero();
        assertThat(promoted.out()).startsWith("promoting 2.0.0 to prod: 2.0.0 soaked ").contains("approved");
        awaitStable(prodState, "2.0.0");

        CliHarness.Result prodStatus = run("status", "--json", "--state-dir", prodState.toString());
        var prodJson = new com.fasterxml.jackson.databind.ObjectMapper().readTree(prodStatus.out());
        assertThat(prodJson.path("stable").path("version").asText()).isEqualTo("2.0.0");
        assertThat(prodJson.path("schemaState").toString()).isEqualTo("[1,2]");
        CliHarness.Result history = run("rollout", "history", "--limit", "50", "--state-dir", prodState.toString());
        assertThat(history.out()).contains("via env promote from test: 2.0.0 soaked").contains("approved");
        // prod kept its own replicas and strategy: 2 replicas, rolled out through its canary step
        assertThat(run("status", "--state-dir", prodState.toString()).out()).startsWith("orders  stable 2.0.0 [2, 2] 2/2 ready");

        Thread.sleep(1000);
        load.stop();
        assertThat(load.failures()).as("requests prod's clients saw fail").isEmpty();
        assertThat(load.sent()).isGreaterThan(300);
        assertThat(load.answersByRevision()).containsKeys("1.0.0", "2.0.0");
    }

    private Path spec(String environment, int port, String version, String jar, String schema, int replicas,
                      String strategy) throws Exception {
        Path file = directory.resolve(environment + "-" + version + ".yaml");
        Files.writeString(file, """
                service: orders
                database: {url: embedded}
                router: {listen: 127.0.0.1:%d}
                release:
                  version: "%s"
                  run:
                    command: [java, -Xmx64m, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -jar, "%s"]
                  schema: %s
                  replicas: %d
                  health:
                    readiness: {path: /ready, period: 250ms, timeout: 1s, failureThreshold: 2, startPeriod: 30s}
                  strategy:
                    %s
                """.formatted(port, version, HOME.resolve("examples/orders/target/" + jar), schema, replicas, strategy));
        return file;
    }

    private void startUp(Path spec, Path state) throws InterruptedException {
        Thread up = new Thread(() -> SlipwayCommand.execute("up", "-f", spec.toString(), "--state-dir", state.toString()),
                "test-up-" + state.getParent().getFileName());
        up.start();
        ups.add(up);
        await(Duration.ofSeconds(60), () -> Files.isRegularFile(state.resolve("api.json")));
    }

    private static void awaitStable(Path state, String version) throws InterruptedException {
        await(Duration.ofSeconds(90), () -> {
            var body = ApiClient.fromStateDirectory(state).get("/api/v1/status").body();
            return body.path("stable").path("version").asText().equals(version) && body.path("canary").isNull()
                    && body.path("stable").path("readyReplicas").asInt() == body.path("stable").path("replicas").asInt();
        });
    }

    private static void seedCustomers(int port, int count) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < count; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/customers"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Seed Customer" + i + "\",\"email\":\"s@example.com\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(201);
        }
    }

    private static void sendRequests(int port, int count) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < count; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/customers?afterId=0&limit=5")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
        }
    }
}
