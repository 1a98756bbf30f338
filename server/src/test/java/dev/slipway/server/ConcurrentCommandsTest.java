package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.router.Endpoint;
import dev.slipway.router.RouteTable;
import dev.slipway.runtime.Replica;
import dev.slipway.testkit.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15: the API under concurrent commands. Eight clients released by one barrier send promote, promote --full,
 * abort, undo, apply and status at once, round after round of a canary paused at 50 % (a random mix per round, its
 * seed printed): every request gets one answer (2xx, or 409 with a reason; never a 500, never a hang), and once the
 * rollout has ended the API's status, the store's history, the runtime's replicas and the router's table agree.
 * Eight applies of different releases at once: exactly one starts a rollout, the others are refused with the reason.
 */
class ConcurrentCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 8;
    private static final int ROUNDS = 3;
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);
    private static final Set<String> TERMINAL = Set.of("PROMOTED", "ABORTED");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    @TempDir
    Path stateDirectory;
    private ServerFixture fixture;

    @BeforeEach
    void startWithAStableRelease() throws Exception {
        TestServices.require(TestServices.onPath("python3"), "python3 is not installed (apt-get install python3)");
        fixture = ServerFixture.start(stateDirectory);
        assertThat(post("/api/v1/schema/start?file=001_customers.yaml", ServerFixture.MIGRATION_1).statusCode())
                .isEqualTo(200);
        assertThat(post("/api/v1/apply?file=slipway.yaml", spec("1.0.0")).statusCode()).isEqualTo(202);
        await(() -> status().path("stable").path("readyReplicas").asInt() == 1
                && terminal(status().path("rollout")));
    }

    @AfterEach
    void stop() {
        clients.shutdownNow();
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void concurrentPromoteAbortUndoAndApplyEachGetOneAnswerAndLeaveOneConsistentState() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("seed " + seed);
        Random random = new Random(seed);
        for (int round = 1; round <= ROUNDS; round++) {
            String stable = status().path("stable").path("version").asText();
            String canary = "1." + round + ".0";
            HttpResponse<String> started = post("/api/v1/apply?file=slipway.yaml", spec(canary));
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            await(() -> status().path("rollout").path("phase").asText().equals("PAUSED"));

            List<Command> commands = new ArrayList<>();
            for (int client = 0; client < CLIENTS; client++) {
                commands.add(Command.random(random, stable, "9." + round + "." + client));
            }
            List<Answer> answers = sendAtOnce(commands);
            System.out.println("round " + round + " (" + stable + " -> " + canary + "): " + answers);

            for (Answer answer : answers) {
                assertThat(answer.status()).as(answer.toString()).isIn(200, 202, 409);
                if (answer.status() == 409) {
                    assertThat(JSON.readTree(answer.body()).path("error").asText()).as(answer.toString()).isNotBlank();
                }
            }
            // A rollout the round started (an apply or undo accepted after an abort or promotion ended the canary's)
            // is ended too, so that the round leaves the service at rest.
            await(() -> {
                if (!terminal(status().path("rollout"))) {
                    abortQuietly();
                    sleep(500);
                    return false;
                }
                return settled();
            });
            assertConsistent();
        }
        assertRolloutsNeverOverlapped();
    }

    @Test
    void ofEightAppliesAtOnceExactlyOneStartsARollout() throws Exception {
        List<Command> applies = new ArrayList<>();
        for (int client = 0; client < CLIENTS; client++) {
            applies.add(new Command("apply", "/api/v1/apply?file=slipway.yaml", spec("2." + client + ".0")));
        }
        List<Answer> answers = sendAtOnce(applies);
        System.out.println(answers);

        List<Answer> accepted = answers.stream().filter(answer -> answer.status() == 202).toList();
        assertThat(accepted).as(answers.toString()).hasSize(1);
        assertThat(answers).filteredOn(answer -> answer.status() != 202).hasSize(CLIENTS - 1)
                .allSatisfy(answer -> {
                    assertThat(answer.status()).as(answer.toString()).isEqualTo(409);
                    assertThat(JSON.readTree(answer.body()).path("error").asText()).contains("in progress");
                });
        String winner = JSON.readTree(accepted.get(0).body()).path("rollout").path("to").asText();
        assertThat(status().path("rollout").path("to").asText()).isEqualTo(winner);
        assertThat(latestHistory().path("action").asText()).isEqualTo("rollout 1.0.0 -> " + winner);
    }

    /** API status, store history, runtime and router agree on what runs once a rollout ended. */
    private void assertConsistent() throws Exception {
        JsonNode status = status();
        JsonNode rollout = status.path("rollout");
        String to = rollout.path("to").asText();
        String expectedStable = rollout.path("phase").asText().equals("PROMOTED") ? to : rollout.path("from").asText();
        assertThat(status.path("stable").path("version").asText()).as(status.toString()).isEqualTo(expectedStable);
        JsonNode history = latestHistory();
        assertThat(history.path("action").asText()).as(history.toString())
                .isEqualTo("rollout " + rollout.path("from").asText() + " -> " + to);
        assertThat(history.path("outcome").asText()).as(history.toString())
                .isEqualTo(rollout.path("phase").asText().toLowerCase());
        List<Replica> replicas = fixture.runtime.list("orders");
        assertThat(replicas).extracting(Replica::revision).containsOnly(expectedStable);
        RouteTable routes = fixture.router.routes();
        Set<Endpoint> routed = routes.backends().stream().filter(backend -> backend.weight() > 0)
                .flatMap(backend -> backend.endpoints().stream()).collect(Collectors.toSet());
        assertThat(routed).isEqualTo(replicas.stream().map(replica -> new Endpoint(replica.host(), replica.port()))
                .collect(Collectors.toSet()));
    }

    /** In the audit history, each rollout started only once the one before it had ended: one winner at a time. */
    private void assertRolloutsNeverOverlapped() throws Exception {
        List<String> rollouts = new ArrayList<>();
        for (JsonNode entry : JSON.readTree(get("/api/v1/rollout/history?limit=1000").body()).path("entries")) {
            if (entry.path("action").asText().startsWith("rollout ")) {
                rollouts.add(0, entry.path("action").asText() + " " + entry.path("outcome").asText());
            }
        }
        String open = null;
        for (String line : rollouts) {
            if (line.endsWith(" started")) {
                assertThat(open).as("started while %s was still open: %s", open, rollouts).isNull();
                open = line.substring(0, line.length() - " started".length());
            } else {
                assertThat(line).as(rollouts.toString()).startsWith(open + " ");
                open = null;
            }
        }
        assertThat(open).as(rollouts.toString()).isNull();
    }

    private void abortQuietly() {
        try {
            post("/api/v1/rollout/abort", "");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Only the stable release's replicas are left and it is ready. */
    private boolean settled() {
        String stable = status().path("stable").path("version").asText();
        return fixture.runtime.list("orders").stream().allMatch(replica -> replica.revision().equals(stable))
                && status().path("stable").path("readyReplicas").asInt() == 1;
    }

    private JsonNode latestHistory() throws Exception {
        // newest first; promote and abort requests come between a rollout's start and its end
        for (JsonNode entry : JSON.readTree(get("/api/v1/rollout/history?limit=50").body()).path("entries")) {
            if (entry.path("action").asText().startsWith("rollout ")) {
                return entry;
            }
        }
        throw new AssertionError("no rollout in the history");
    }

    private List<Answer> sendAtOnce(List<Command> commands) throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(commands.size());
        List<Future<Answer>> futures = new ArrayList<>();
        for (Command command : commands) {
            futures.add(clients.submit(() -> {
                barrier.await(30, TimeUnit.SECONDS);
                HttpResponse<String> response = command.path().equals("/api/v1/status") ? get(command.path())
                        : post(command.path(), command.body());
                return new Answer(command, response.statusCode(), response.body());
            }));
        }
        List<Answer> answers = new ArrayList<>();
        for (Future<Answer> future : futures) {
            answers.add(future.get(ANSWER_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS));
        }
        return answers;
    }

    private static boolean terminal(JsonNode rollout) {
        return TERMINAL.contains(rollout.path("phase").asText());
    }

    private JsonNode status() {
        try {
            return JSON.readTree(get("/api/v1/status").body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send("POST", path, body);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(fixture.server.url().resolve(path))
                .header("Authorization", "Bearer " + fixture.server.token()).timeout(ANSWER_TIMEOUT);
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A release served by Python's http.server, which answers 200 on {@code /}; canaries pause at 50 %. */
    private static String spec(String version) {
        return """
                service: orders
                release:
                  version: %s
                  run: {command: [/bin/sh, -c, 'exec python3 -m http.server "$PORT" --bind 127.0.0.1']}
                  schema: [1, 1]
                  replicas: 1
                  health: {readiness: {path: /, period: 200ms, startPeriod: 20s}}
                  strategy: {canary: {steps: [{setWeight: 50}, {pause: {}}]}}
                """.formatted(version);
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within 90 s");
            }
            sleep(50);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** One client's request. */
    private record Command(String name, String path, String body) {
        static Command random(Random random, String stable, String otherVersion) {
            return switch (random.nextInt(6)) {
                case 0 -> new Command("promote", "/api/v1/rollout/promote", "");
                case 1 -> new Command("promote --full", "/api/v1/rollout/promote?full=true", "");
                case 2 -> new Command("abort", "/api/v1/rollout/abort", "");
                case 3 -> new Command("undo", "/api/v1/rollout/undo?to=" + stable, "");
                case 4 -> new Command("apply", "/api/v1/apply?file=slipway.yaml", spec(otherVersion));
                default -> new Command("status", "/api/v1/status", null);
            };
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private record Answer(Command command, int status, String body) {
        @Override
        public String toString() {
            return command + " -> " + status + (status == 409 ? " " + body : "");
        }
    }
}
