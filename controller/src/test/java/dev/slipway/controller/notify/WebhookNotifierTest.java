package dev.slipway.controller.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.model.NotificationSpec;
import dev.slipway.model.SpecException;
import dev.slipway.controller.PolicySpecs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Webhooks against a real HTTP receiver on loopback: payload, secrets, retries, and never blocking the caller. */
class WebhookNotifierTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Notification ABORTED = new Notification("rollout.aborted", "orders",
            Instant.parse("2026-12-06T12:00:00Z"), "analysis failed: error rate 0.31 > 0.05",
            Optional.of(new Notification.Rollout(7, Optional.of("2.0.0"), "3.0.0", "ABORTED", 2, 0)),
            new TreeSet<>(Set.of(2)));

    private LoopbackReceiver receiver;
    private final BlockingQueue<String> failures = new LinkedBlockingQueue<>();
    private WebhookNotifier notifier;

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = new LoopbackReceiver();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close(Duration.ZERO);
        }
        receiver.close();
    }

    @Test
    void theReceiverGetsTheDocumentedJsonWithTheSecretHeaderFromTheEnvironment() throws Exception {
        notifier = notifier(spec("url: " + receiver.url("/events") + "\n    headers: {Authorization: \"Bearer ${OPS_TOKEN}\"}"),
                Map.of("OPS_TOKEN", "s3cret"));

        notifier.publish(ABORTED);

        LoopbackReceiver.Received request = receiver.next(WAIT);
        assertThat(request).isNotNull();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/events");
        assertThat(request.header("Authorization")).isEqualTo("Bearer s3cret");
        assertThat(request.header("X-Slipway-Event")).isEqualTo("rollout.aborted");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(JSON.readTree(request.body())).isEqualTo(JSON.readTree("""
                {"version": 1, "event": "rollout.aborted", "service": "orders", "at": "2026-12-06T12:00:00Z",
                 "message": "analysis failed: error rate 0.31 > 0.05",
                 "rollout": {"id": 7, "from": "2.0.0", "to": "3.0.0", "phase": "ABORTED", "step": 2, "weight": 0},
                 "schemaState": [2]}"""));
    }

    @Test
    void theSlackFormatIsOneTextMessage() throws Exception {
        notifier = notifier(spec("url: " + receiver.url("/slack") + "\n    format: slack"), Map.of());
        notifier.publish(ABORTED);

        JsonNode body = JSON.readTree(receiver.next(WAIT).body());
        assertThat(body.fieldNames()).toIterable().containsExactly("text");
        assertThat(body.path("text").asText()).isEqualTo(
                ":x: *orders* 2.0.0 → 3.0.0 — rollout.aborted: analysis failed: error rate 0.31 > 0.05 (schema {2})");
    }

    @Test
    void aFailingReceiverIsRetriedWithBackoffUntilItAcceptsAndGetsItOnce() throws Exception {
        receiver.answer(503, 500, 200);
        notifier = notifier(spec("url: " + receiver.url("/x") + "\n    retries: 3"), Map.of());

        notifier.publish(ABORTED);

        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(receiver.next(WAIT)).as("attempt " + attempt).isNotNull();
        }
        awaitNothingPending();
        assertThat(receiver.next(Duration.ofMillis(300))).as("no fourth delivery after the 200").isNull();
        assertThat(failures).isEmpty();
    }

    @Test
    void anUnreachableWebhookIsReportedAfterItsRetriesAndNeverThrown() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        notifier = notifier(spec("url: http://127.0.0.1:" + closedPort + "/x\n    retries: 2"), Map.of());

        notifier.publish(ABORTED);

        String failure = failures.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(failure).startsWith("notification webhook-1 (rollout.aborted) not delivered after 3 attempts: ");
    }

    @Test
    void aClientErrorIsNotRetried() throws Exception {
        receiver.answer(404);
        notifier = notifier(spec("url: " + receiver.url("/gone") + "\n    retries: 3"), Map.of());
        notifier.publish(ABORTED);

        assertThat(failures.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).endsWith("not delivered after 1 attempt: HTTP 404");
        assertThat(receiver.count()).as("one request, no retry").isEqualTo(1);
    }

    @Test
    void publishReturnsAtOnceWhileTheReceiverHangs() throws Exception {
        receiver.holdRequests();
        notifier = notifier(spec("url: " + receiver.url("/slow") + "\n    timeout: 30s"), Map.of());

        for (int i = 0; i < 20; i++) {
            notifier.publish(ABORTED); // a synchronous send would hang here until release(), which comes later
        }

        assertThat(receiver.next(WAIT)).as("the first delivery reached the receiver, which holds it").isNotNull();
        assertThat(notifier.pending()).isGreaterThan(0);
        receiver.release();
        awaitNothingPending();
    }

    @Test
    void onlyTheEventsAWebhookAskedForAreSent() throws Exception {
        notifier = notifier(spec("url: " + receiver.url("/x") + "\n    events: [rollout.promoted]"), Map.of());
        notifier.publish(ABORTED);
        notifier.publish(new Notification("rollout.promoted", "orders", Instant.now(), "promoted", Optional.empty(),
                new TreeSet<>(Set.of(2))));

        assertThat(JSON.readTree(receiver.next(WAIT).body()).path("event").asText()).isEqualTo("rollout.promoted");
        awaitNothingPending();
        assertThat(receiver.count()).isZero();
    }

    @Test
    void aMissingSecretIsALocatedErrorBeforeAnythingIsSent() {
        List<NotificationSpec> webhooks = spec("url: \"${HOOK_URL}\"");
        assertThatThrownBy(() -> WebhookNotifier.checkSecrets(webhooks, Map.<String, String>of()::get))
                .isInstanceOf(SpecException.class)
                .hasMessage("slipway.yaml:9:10: notifications[0].url: environment variable HOOK_URL is not set in the"
                        + " controller's environment");
    }

    @Test
    void backoffDoublesUpToItsCeiling() {
        WebhookNotifier backoff = new WebhookNotifier(List::of, name -> null, failures::add,
                Duration.ofMillis(100), Duration.ofMillis(1000));
        assertThat(backoff.backoff(1).toMillis()).isBetween(100L, 125L);
        assertThat(backoff.backoff(2).toMillis()).isBetween(200L, 250L);
        assertThat(backoff.backoff(3).toMillis()).isBetween(400L, 500L);
        assertThat(backoff.backoff(10).toMillis()).isBetween(1000L, 1250L);
        backoff.close(Duration.ZERO);
    }

    private void awaitNothingPending() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (notifier.pending() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(notifier.pending()).isZero();
    }

    private WebhookNotifier notifier(List<NotificationSpec> webhooks, Map<String, String> environment) {
        return new WebhookNotifier(() -> webhooks, environment::get, failures::add, Duration.ofMillis(50),
                Duration.ofMillis(400));
    }

    /** One webhook as slipway.yaml would give it ({@code fields} indented under the list item). */
    private static List<NotificationSpec> spec(String fields) {
        return PolicySpecs.parse("notifications:\n  - name: webhook-1\n    " + fields + "\n").notifications();
    }
}
