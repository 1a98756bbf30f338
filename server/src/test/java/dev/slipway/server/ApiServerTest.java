package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.hooks.PolicyCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API over a real controller (embedded PostgreSQL, real router and local runtime) that runs no replica:
 * authentication, routing, JSON shapes, and how refusals and bad input reach the client.
 */
class ApiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    @TempDir
    Path stateDirectory;
    private ServerFixture fixture;
    private RolloutController controller;
    private ApiServer server;

    @BeforeEach
    void startApi() throws Exception {
        fixture = ServerFixture.start(stateDirectory);
        controller = fixture.controller;
        server = fixture.server;
    }

    @AfterEach
    void stopApi() {
        fixture.close();
    }

    @Test
    void apiJsonNamesTheUrlAndTokenAndOnlyItsOwnerCanReadIt() throws Exception {
        Path file = stateDirectory.resolve("api.json");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        JsonNode descriptor = JSON.readTree(file.toFile());
        assertThat(descriptor.path("url").asText()).isEqualTo(server.url().toString()).startsWith("http://127.0.0.1:");
        assertThat(descriptor.path("token").asText()).isEqualTo(server.token()).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(descriptor.path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(descriptor.path("service").asText()).isEqualTo("orders");

        server.close();
        assertThat(file).doesNotExist();
    }

    @Test
    void aRequestWithoutOrWithAWrongTokenIsUnauthorized() throws Exception {
        HttpResponse<String> none = http.send(HttpRequest.newBuilder(server.url().resolve("/api/v1/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(none.body()).path("error").asText()).contains("token");

        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(server.url().resolve("/api/v1/status"))
                .header("Authorization", "Bearer " + server.token() + "x").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        // unknown paths are not revealed to a caller without the token either
        assertThat(send("GET", "/api/v1/nothing", null, "Bearer wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void anUnknownPathIs404AndAWrongMethodIs405WithAllow() throws Exception {
        HttpResponse<String> unknown = get("/api/v1/nothing");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("error").asText()).contains("/api/v1/nothing");

        HttpResponse<String> wrongMethod = post("/api/v1/status", "");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET");
        assertThat(get("/api/v1/rollout/promote").statusCode()).isEqualTo(405);
    }

    @Test
    void statusOfAServiceThatRunsNothingYet() throws Exception {
        HttpResponse<String> response = get("/api/v1/status");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/json"));
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.path("service").asText()).isEqualTo("orders");
        assertThat(status.get("stable").isNull()).isTrue();
        assertThat(status.get("canary").isNull()).isTrue();
        assertThat(status.path("canaryWeight").asInt()).isZero();
        assertThat(status.path("schemaState").isArray()).isTrue();
        assertThat(status.path("schemaState")).isEmpty();
        assertThat(status.get("rollout").isNull()).isTrue();
        assertThat(status.path("actions")).extracting(action -> action.path("action").asText())
                .contains("rollout promote", "rollout abort", "schema complete");
        assertThat(status.path("recentEvents").isArray()).isTrue();
        assertThat(status.path("analyses").isArray()).as("analyses of the rollout: none yet").isTrue();
        assertThat(status.path("analyses")).isEmpty();
    }

    @Test
    void analysesOfAServiceWithoutARolloutAreAnEmptyList() throws Exception {
        HttpResponse<String> response = get("/api/v1/analyses");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("service").asText()).isEqualTo("orders");
        assertThat(body.path("analyses").isArray()).isTrue();
        assertThat(body.path("analyses")).isEmpty();
    }

    @Test
    void aSpecErrorIs400WithItsLocation() throws Exception {
        HttpResponse<String> response = post("/api/v1/apply?file=slipway.yaml", """
                service: orders
                release:
                  version: 1.0.0
                  run: {command: [java, -jar, orders.jar]}
                  schema: [1, 1]
                  replicas: -3
                """);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").asText()).matches("slipway\\.yaml:\\d+:\\d+: .*replicas.*");
    }

    @Test
    void aSecretMissingFromTheControllersEnvironmentIs400WithItsLocationAndNothingIsApplied() throws Exception {
        server.checkSpecsWith(spec -> PolicyCheck.check(spec.policy(), stateDirectory, java.util.Map.<String, String>of()::get));
        HttpResponse<String> response = post("/api/v1/apply?file=slipway.yaml", """
                service: orders
                release:
                  version: 1.0.0
                  run: {command: [java, -jar, orders.jar]}
                  schema: [1, 1]
                  strategy: {canary: {steps: [{setWeight: 100}]}}
                notifications:
                  - url: "${OPS_WEBHOOK}"
                """);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").asText()).isEqualTo("slipway.yaml:8:10: notifications[0].url:"
                + " environment variable OPS_WEBHOOK is not set in the controller's environment");
        assertThat(JSON.readTree(get("/api/v1/status").body()).path("desiredVersion").isNull()).isTrue();
    }

    @Test
    void applyingAReleaseThatCannotReadTheSchemaIsRefusedWith409() throws Exception {
        HttpResponse<String> response = post("/api/v1/apply?file=slipway.yaml", """
                service: orders
                release:
                  version: 1.0.0
                  run: {command: [java, -jar, orders.jar]}
                  schema: [1, 1]
                  replicas: 1
                  strategy: {rolling: {maxSurge: 1, maxUnavailable: 0}}
                """);
        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(response.body()).path("error").asText()).contains("1.0.0");
    }

    @Test
    void aSpecOfAnotherServiceIsBadInput() throws Exception {
        HttpResponse<String> response = post("/api/v1/apply?file=other.yaml", """
                service: billing
                release:
                  version: 1.0.0
                  run: {command: [java, -jar, billing.jar]}
                  schema: [1, 1]
                  replicas: 1
                  strategy: {rolling: {maxSurge: 1, maxUnavailable: 0}}
                """);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").asText()).contains("billing").contains("orders");
    }

    @Test
    void rolloutActionsWithoutARolloutAreConflicts() throws Exception {
        HttpResponse<String> abort = post("/api/v1/rollout/abort", "enough");
        assertThat(abort.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(abort.body()).path("error").asText()).isEqualTo("no rollout is in progress for orders");
        assertThat(post("/api/v1/rollout/promote?full=true", "").statusCode()).isEqualTo(409);
        assertThat(post("/api/v1/rollout/retry", "").statusCode()).isEqualTo(409);
        HttpResponse<String> undo = post("/api/v1/rollout/undo", "");
        assertThat(undo.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(undo.body()).path("error").asText()).startsWith("nothing to undo");
        HttpResponse<String> undoToUnknown = post("/api/v1/rollout/undo?to=9.9.9", "");
        assertThat(undoToUnknown.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(undoToUnknown.body()).path("error").asText()).contains("no release 9.9.9");
        assertThat(post("/api/v1/rollout/promote?full=maybe", "").statusCode()).isEqualTo(400);
    }

    @Test
    void schemaStartAndCompleteGoThroughTheCoordinatorAndAreAudited() throws Exception {
        HttpResponse<String> started = send("POST", "/api/v1/schema/start?file=001_customers.yaml", ServerFixture.MIGRATION_1,
                "Bearer " + server.token());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        assertThat(JSON.readTree(started.body()).path("schemaState").toString()).isEqualTo("[1]");
        HttpResponse<String> completed = post("/api/v1/schema/complete", "");
        assertThat(completed.statusCode()).as(completed.body()).isEqualTo(200);
        assertThat(JSON.readTree(completed.body()).path("schemaState").toString()).isEqualTo("[1]");

        HttpResponse<String> nothingInFlight = post("/api/v1/schema/rollback", "");
        assertThat(nothingInFlight.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(nothingInFlight.body()).path("error").asText()).contains("no migration is in flight");

        HttpResponse<String> history = get("/api/v1/rollout/history?limit=10");
        assertThat(history.statusCode()).isEqualTo(200);
        JsonNode entries = JSON.readTree(history.body()).path("entries");
        assertThat(entries).extracting(entry -> entry.path("action").asText())
                .anyMatch(action -> action.startsWith("schema start of version 1"))
                .anyMatch(action -> action.startsWith("schema complete of version 1"));
        assertThat(entries.get(0).path("actor").asText()).isEqualTo("api-token");
        assertThat(entries.get(0).has("at")).isTrue();
        assertThat(get("/api/v1/rollout/history?limit=zero").statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(get("/api/v1/status").body()).path("schemaState").toString()).isEqualTo("[1]");
    }

    @Test
    void aBrokenMigrationFileIsBadInputWithItsName() throws Exception {
        HttpResponse<String> response = post("/api/v1/schema/start?file=002_broken.yaml", "version: two\n");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").asText()).contains("002_broken.yaml");
        assertThat(post("/api/v1/schema/start", ServerFixture.MIGRATION_1).statusCode()).isEqualTo(400);
    }

    @Test
    void theAuditNamesTheTokenAndKeepsTheNameAClientGivesItselfOnlyAsAClaim() throws Exception {
        assertThat(startAs("001.yaml", ServerFixture.MIGRATION_1, "ada").statusCode()).isEqualTo(200);
        assertThat(latestActor()).isEqualTo("api-token (claims: ada)");

        // a token holder cannot pass for a dashboard session, nor for the token without a claim
        assertThat(post("/api/v1/schema/complete", "").statusCode()).isEqualTo(200);
        assertThat(latestActor()).isEqualTo("api-token");
        assertThat(startAs("002.yaml", MIGRATION_2, "dashboard").statusCode()).isEqualTo(200);
        assertThat(latestActor()).isEqualTo("api-token (claims: dashboard)");

        // a claim is bounded: a client cannot flood the audit history through it
        HttpResponse<String> rolledBack = http.send(HttpRequest.newBuilder(server.url().resolve("/api/v1/schema/rollback"))
                .header("Authorization", "Bearer " + server.token()).header("X-Slipway-Actor", "x".repeat(5000))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rolledBack.statusCode()).as(rolledBack.body()).isEqualTo(200);
        assertThat(latestActor()).isEqualTo("api-token (claims: " + "x".repeat(200) + "…)");
    }

    private static final String MIGRATION_2 = """
            version: 2
            description: customers' email
            operations:
              - add_column:
                  table: customers
                  column: {name: email, type: text}
            """;

    private HttpResponse<String> startAs(String file, String migration, String claimedActor) throws Exception {
        return http.send(HttpRequest.newBuilder(server.url().resolve("/api/v1/schema/start?file=" + file))
                .header("Authorization", "Bearer " + server.token()).header("X-Slipway-Actor", claimedActor)
                .POST(HttpRequest.BodyPublishers.ofString(migration)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String latestActor() throws Exception {
        return JSON.readTree(get("/api/v1/rollout/history").body()).path("entries").get(0).path("actor").asText();
    }

    @Test
    void anAppliedReleaseIsInStatusAsSoonAsApplyAnswers() throws Exception {
        assertThat(post("/api/v1/schema/start?file=001_customers.yaml", ServerFixture.MIGRATION_1).statusCode()).isEqualTo(200);
        HttpResponse<String> applied = post("/api/v1/apply?file=slipway.yaml", """
                service: orders
                release:
                  version: 1.0.0
                  run: {command: [/bin/sleep, "600"]}
                  schema: [1, 1]
                  replicas: 1
                  health: {readiness: {startPeriod: 10m}}
                  strategy: {canary: {steps: [{setWeight: 100}]}}
                """);
        // (a replica that stays starting: one that failed at once could end the rollout before status is read)
        assertThat(applied.statusCode()).as(applied.body()).isEqualTo(202);
        JsonNode rollout = JSON.readTree(applied.body()).path("rollout");
        assertThat(rollout.path("to").asText()).isEqualTo("1.0.0");

        JsonNode status = JSON.readTree(get("/api/v1/status").body());

        assertThat(status.path("rollout").path("id").asLong()).isEqualTo(rollout.path("id").asLong());
        assertThat(status.path("desiredVersion").asText()).isEqualTo("1.0.0");
    }

    @Test
    void failuresSayTheirKind() throws Exception {
        HttpResponse<String> refused = post("/api/v1/apply?file=slipway.yaml", """
                service: orders
                release:
                  version: 1.0.0
                  run: {command: [/bin/false]}
                  schema: [1, 1]
                  strategy: {canary: {steps: [{setWeight: 100}]}}
                """);
        assertThat(refused.statusCode()).isEqualTo(409);
        JsonNode refusal = JSON.readTree(refused.body());
        assertThat(refusal.path("kind").asText()).isEqualTo("refused");
        assertThat(refusal.path("error").asText()).startsWith("refused: apply of orders 1.0.0");
        assertThat(refusal.path("refusal").path("broken").get(0).path("version").asText()).isEqualTo("1.0.0");
        assertThat(refusal.path("refusal").path("resultingState")).isEmpty();

        assertThat(JSON.readTree(post("/api/v1/rollout/abort", "").body()).path("kind").asText()).isEqualTo("conflict");
        HttpResponse<String> noStable = get("/api/v1/stable");
        assertThat(noStable.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(noStable.body()).path("kind").asText()).isEqualTo("not-found");
        HttpResponse<String> missingBackup = post("/api/v1/rollout/undo?force=true&backup=/no/such/backup.sql", "");
        assertThat(missingBackup.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missingBackup.body()).path("kind").asText()).isEqualTo("bad-input");
    }

    @Test
    void aSecondControllerOnTheSameStateDirectoryIsRefusedWhileTheFirstLives() {
        // the same process may restart its API (the pid is its own); another live pid would be refused
        ApiServer again = ApiServer.start(controller, stateDirectory, 0);
        again.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null, "Bearer " + server.token());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send("POST", path, body, "Bearer " + server.token());
    }

    private HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.url().resolve(path)).header("Authorization", authorization);
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
