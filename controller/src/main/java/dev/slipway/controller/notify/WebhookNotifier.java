package dev.slipway.controller.notify;

import dev.slipway.model.NotificationSpec;
import dev.slipway.model.SecretText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Sends {@link Notification}s to the webhooks of the spec, on threads of its own: {@link #publish} only queues,
 * so a slow, failing or unreachable receiver never holds up or fails a rollout. A delivery is retried on a
 * connection failure, a timeout, 408, 429 or 5xx, with exponential backoff and jitter; after the last attempt
 * (or a 4xx that no retry would change) the failure is reported, never thrown.
 */
public final class WebhookNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);
    /** Deliveries waiting (with their retries) beyond this are dropped and reported: memory stays bounded. */
    static final int MAX_PENDING = 1000;

    private final Supplier<List<NotificationSpec>> webhooks;
    private final Function<String, String> environment;
    private final Consumer<String> failures;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledThreadPoolExecutor senders;
    private final AtomicInteger pending = new AtomicInteger();

    /**
     * @param environment where {@code ${VARIABLE}} secrets come from (the controller's environment)
     * @param failures    told, in one line, about every notification that could not be delivered
     */
    public WebhookNotifier(Supplier<List<NotificationSpec>> webhooks, Function<String, String> environment,
                           Consumer<String> failures) {
        this(webhooks, environment, failures, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /**
     * @param webhooks the webhooks in force (the spec applied last), read at each publish
     */
    WebhookNotifier(Supplier<List<NotificationSpec>> webhooks, Function<String, String> environment,
                    Consumer<String> failures, Duration firstBackoff, Duration maxBackoff) {
        this.webhooks = webhooks;
        this.environment = environment;
        this.failures = failures;
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
        this.senders = new ScheduledThreadPoolExecutor(2, dev.slipway.model.support.DaemonThreads.named("slipway-notify"));
        senders.setRemoveOnCancelPolicy(true);
    }

    /**
     * Checks that every secret the webhooks read is set, so a missing one is a located error when the spec is
     * applied rather than a silent gap later.
     *
     * @throws dev.slipway.model.SpecException naming the value and the variable
     */
    public static void checkSecrets(List<NotificationSpec> webhooks, Function<String, String> environment) {
        for (NotificationSpec webhook : webhooks) {
            webhook.url().resolve(environment);
            webhook.headers().values().forEach(header -> header.resolve(environment));
        }
    }

    /** Queues the notification for every webhook that wants its event; returns at once. */
    public void publish(Notification notification) {
        for (NotificationSpec webhook : webhooks.get()) {
            if (!webhook.wants(notification.event())) {
                continue;
            }
            if (pending.incrementAndGet() > MAX_PENDING) {
                pending.decrementAndGet();
                report(webhook, notification, "dropped: " + MAX_PENDING + " deliveries are waiting already");
                continue;
            }
            schedule(webhook, notification, 1, Duration.ZERO);
        }
    }

    private void schedule(NotificationSpec webhook, Notification notification, int attempt, Duration delay) {
        try {
            senders.schedule(() -> deliver(webhook, notification, attempt), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            pending.decrementAndGet();
        }
    }

    private void deliver(NotificationSpec webhook, Notification notification, int attempt) {
        String problem;
        boolean retryable;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(webhook.url().resolve(environment)))
                    .timeout(webhook.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "slipway-notify")
                    .header("X-Slipway-Event", notification.event())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(NotificationPayload.body(notification, webhook.format())));
            for (Map.Entry<String, SecretText> header : webhook.headers().entrySet()) {
                request.header(header.getKey(), header.getValue().resolve(environment));
            }
            HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            if (status / 100 == 2) {
                pending.decrementAndGet();
                return;
            }
            problem = "HTTP " + status;
            retryable = status >= 500 || status == 408 || status == 429;
        } catch (IOException e) {
            problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            retryable = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.decrementAndGet();
            return;
        } catch (RuntimeException e) {
            // a secret that went missing, a URL that does not parse: no retry changes that
            problem = e.getMessage();
            retryable = false;
        }
        if (retryable && attempt <= webhook.retries()) {
            schedule(webhook, notification, attempt + 1, backoff(attempt));
            return;
        }
        pending.decrementAndGet();
        report(webhook, notification, "not delivered after " + attempt + " attempt" + (attempt == 1 ? "" : "s")
                + ": " + problem);
    }

    /** Exponential: first, 2×first, 4×first... up to the maximum, each with up to 25 % jitter. */
    Duration backoff(int attempt) {
        long base = Math.min(maxBackoff.toMillis(), firstBackoff.toMillis() << Math.min(attempt - 1, 20));
        return Duration.ofMillis(base + ThreadLocalRandom.current().nextLong(base / 4 + 1));
    }

    private void report(NotificationSpec webhook, Notification notification, String what) {
        String line = "notification " + webhook.name() + " (" + notification.event() + ") " + what;
        log.warn(line);
        try {
            failures.accept(line);
        } catch (RuntimeException e) {
            log.warn("could not record a notification failure: {}", e.getMessage());
        }
    }

    /** Deliveries queued or waiting for a retry (for tests and status). */
    int pending() {
        return pending.get();
    }

    /** Gives queued deliveries up to {@code grace} to go out, then stops. */
    public void close(Duration grace) {
        senders.shutdown();
        try {
            senders.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        senders.shutdownNow();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }
}
