package dev.slipway.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.slipway.cli.CliHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client side of the guarded commands against a stand-in for the controller's API: what {@code apply},
 * {@code rollout undo|retry} send (force, backup, reason), how they print refusals and conflicts, and how
 * {@code apply --watch} follows the rollout apply recorded to its end.
 */
class GuardedCommandsTest {
    private static final String REFUSAL = "refused: apply of orders 2.0.0 would leave the schema at {1}, but canary "
            + "orders 2.0.0 reads schema [2, 2].\n  Or pass --force --backup <file> to override (recorded in the audit history).";

    @TempDir
    Path directory;
    private HttpServer api;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    /** The status answers still to give, in order; the last one is repeated. */
    private final Deque<String> statuses = new ArrayDeque<>();
    private volatile int applyStatus = 202;
    private volatile String applyBody = """
            {"accepted": true, "version": "2.0.0", "rollout": {"id": 7, "from": "1.0.0", "to": "2.0.0",
             "phase": "PROGRESSING", "step": 0, "weight": 0, "message": "starting"}}""";
    private Path spec;

    @BeforeEach
    void startApi() throws IOException {
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/", this::answer);
        api.start();
        Files.writeString(directory.resolve("api.json"), """
                {"url": "http://127.0.0.1:%d", "token": "t0ken", "pid": %d, "service": "orders"}"""
                .formatted(api.getAddress().getPort(), ProcessHandle.current().pid()));
        spec = directory.resolve("slipway.yaml");
        // a valid spec: apply checks its file before it talks to the controller
        Files.writeString(spec, """
                service: orders
                release:
                  version: 2.0.0
                  run: {command: [./orders]}
                  schema: [1, 1]
                  strategy: {canary: {steps: [{setWeight: 50}]}}
                """);
    }

    @AfterEach
    void stopApi() {
        api.stop(0);
    }

    @Test
    void applyWatchFollowsTheRolloutItRecordedAndExitsOneWhenItIsAborted() {
        statuses.addAll(List.of(status(7, "PROGRESSING"), status(7, "PAUSED"), status(7, "ABORTED")));

        CliHarness.Result result = run("apply", "-f", spec.toString(), "--watch", "--state-dir", directory.toString());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
        assertThat(result.out()).startsWith("applying orders 2.0.0 (rollout 7 from 1.0.0)")
                .contains("PAUSED").contains("ABORTED");
    }

    @Test
    void applyWatchExitsZeroOnceTheRolloutIsPromoted() {
        statuses.addAll(List.of(status(7, "PROGRESSING"), status(7, "PROMOTED")));

        CliHarness.Result result = run("apply", "-f", spec.toString(), "--watch", "--state-dir", directory.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("PROMOTED");
    }

    @Test
    void applyWatchDoesNotMistakeAnotherRolloutForItsOwn() {
        statuses.add(status(8, "PROMOTED"));

        CliHarness.Result result = run("apply", "-f", spec.toString(), "--watch", "--state-dir", directory.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("rollout 7 is no longer the latest");
    }

    @Test
    void forceBackupAndReasonGoToTheControllerWhichRecordsThem() {
        Path backup = directory.resolve("backup.sql");

        run("apply", "-f", spec.toString(), "--force", "--backup", backup.toString(), "--reason", "hot fix",
                "--state-dir", directory.toString());
        run("rollout", "undo", "--to", "1.0.0", "--force", "--state-dir", directory.toString());
        run("rollout", "retry", "--force", "--backup", "auto", "--state-dir", directory.toString());
        run("apply", "-f", spec.toString(), "--state-dir", directory.toString());

        assertThat(requests).containsExactly(
                "POST /api/v1/apply?file=" + spec + "&force=true&backup=" + backup + "&reason=hot fix",
                "POST /api/v1/rollout/undo?to=1.0.0&force=true&backup=auto",
                "POST /api/v1/rollout/retry?force=true&backup=auto",
                "POST /api/v1/apply?file=" + spec);
    }

    @Test
    void aBackupOrAReasonWithoutForceIsAMistake() {
        CliHarness.Result result = run("rollout", "undo", "--reason", "why not", "--state-dir", directory.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--backup and --reason go with --force");
        assertThat(requests).isEmpty();
    }

    @Test
    void aRefusalIsPrintedAsTheGuardWordsItAndOtherFailuresAsErrors() {
        applyStatus = 409;
        applyBody = "{\"error\": " + quoted(REFUSAL) + ", \"kind\": \"refused\"}";
        CliHarness.Result refused = run("apply", "-f", spec.toString(), "--state-dir", directory.toString());
        applyBody = "{\"error\": \"a rollout of 1.1.0 is in progress: promote or abort it first\", \"kind\": \"conflict\"}";
        CliHarness.Result conflict = run("apply", "-f", spec.toString(), "--state-dir", directory.toString());

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo(REFUSAL + System.lineSeparator());
        assertThat(conflict.exitCode()).isEqualTo(1);
        assertThat(conflict.err()).isEqualTo("error: a rollout of 1.1.0 is in progress: promote or abort it first"
                + System.lineSeparator());
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getQuery();
        exchange.getRequestBody().readAllBytes();
        int status = 202;
        String body = "{\"accepted\": true, \"rollout\": {\"id\": 9}}";
        if (path.equals("/api/v1/status")) {
            status = 200;
            body = statuses.size() > 1 ? statuses.poll() : statuses.peek();
        } else {
            requests.add(exchange.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
            if (path.equals("/api/v1/apply")) {
                status = applyStatus;
                body = applyBody;
            }
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String status(long rollout, String phase) {
        return """
                {"service": "orders", "stable": {"version": "1.0.0", "schema": [1, 1], "replicas": 2, "readyReplicas": 2},
                 "canary": null, "canaryWeight": 0, "schemaState": [1], "migration": null, "schemaUpdatePending": false,
                 "rollout": {"id": %d, "from": "1.0.0", "to": "2.0.0", "phase": "%s", "step": 1, "weight": 10,
                 "message": ""}}""".formatted(rollout, phase);
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
