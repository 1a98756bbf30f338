package dev.slipway.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.model.support.DaemonThreads;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady client of the orders service through the router: creates customers and orders, reads them back,
 * and keeps what it saw — every answer, every failure with its cause and the revision that gave it, and every
 * row the service confirmed it wrote — so the demo can check that nothing was lost.
 */
public final class LoadGenerator implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] FIRST_NAMES = {"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"};
    private static final String[] LAST_NAMES = {"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"};

    /** One request the client counts as failed: a non-2xx answer or no answer at all. */
    public record Failure(long atMillis, String method, String path, int status, String revision, String cause) {
    }

    /** An order as the service confirmed it. */
    public record WrittenOrder(long customerId, long amountCents) {
    }

    private final URI base;
    private final int requestsPerSecond;
    private final long seededCustomers;
    private final HttpClient client;
    private final ExecutorService clientExecutor = Executors.newFixedThreadPool(4, DaemonThreads.named("slipway-load-client"));
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("slipway-load"));
    private final Random random = new Random(42);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private final Map<String, AtomicLong> answersByRevision = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final Map<Long, String> customers = new ConcurrentHashMap<>();
    private final Map<Long, WrittenOrder> orders = new ConcurrentHashMap<>();
    private final List<Long> customerIds = new ArrayList<>();
    private final long startedAt = System.currentTimeMillis();
    private volatile boolean running;

    public LoadGenerator(URI base, int requestsPerSecond, long seededCustomers) {
        this.base = base;
        this.requestsPerSecond = requestsPerSecond;
        this.seededCustomers = seededCustomers;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientExecutor)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    public void start() {
        running = true;
        long periodMicros = 1_000_000L / requestsPerSecond;
        ticker.scheduleAtFixedRate(this::sendOne, 0, periodMicros, TimeUnit.MICROSECONDS);
    }

    /** Stops sending and waits for answers still on their way (bounded). */
    public void stop() {
        running = false;
        ticker.shutdownNow();
        long deadline = System.currentTimeMillis() + 15_000;
        while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
            sleep(20);
        }
    }

    private void sendOne() {
        if (!running) {
            return;
        }
        int dice = random.nextInt(100);
        if (dice < 30) {
            String name = FIRST_NAMES[random.nextInt(FIRST_NAMES.length)] + " "
                    + LAST_NAMES[random.nextInt(LAST_NAMES.length)] + "-" + random.nextInt(1_000_000);
            String body = "{\"name\":\"" + name + "\",\"email\":\"demo@example.com\"}";
            send("POST", "/customers", body, response -> customers.put(response.get("id").asLong(), name));
        } else if (dice < 42) {
            long customerId = someCustomer();
            long amount = 100 + random.nextInt(100_000);
            send("POST", "/orders", "{\"customerId\":" + customerId + ",\"amountCents\":" + amount + "}",
                    response -> orders.put(response.get("id").asLong(), new WrittenOrder(customerId, amount)));
        } else if (dice < 85) {
            send("GET", "/customers/" + someCustomer(), null, response -> { });
        } else {
            send("GET", "/customers/" + someCustomer() + "/orders", null, response -> { });
        }
    }

    private long someCustomer() {
        synchronized (customerIds) {
            if (!customerIds.isEmpty() && random.nextBoolean()) {
                return customerIds.get(random.nextInt(customerIds.size()));
            }
        }
        return 1 + random.nextInt((int) seededCustomers);
    }

    private void send(String method, String path, String body, java.util.function.Consumer<JsonNode> onSuccess) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
        if (body != null) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        long at = System.currentTimeMillis() - startedAt;
        sent.incrementAndGet();
        inFlight.incrementAndGet();
        client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            try {
                if (error != null) {
                    Throwable cause = error.getCause() != null ? error.getCause() : error;
                    String what = cause instanceof HttpTimeoutException ? "timeout"
                            : "connection error (" + cause.getClass().getSimpleName() + ")";
                    failures.add(new Failure(at, method, path, 0, "", what));
                    return;
                }
                String revision = response.headers().firstValue("X-Slipway-Revision").orElse("");
                answersByRevision.computeIfAbsent(revision.isEmpty() ? "router" : revision, k -> new AtomicLong())
                        .incrementAndGet();
                if (response.statusCode() / 100 != 2) {
                    failures.add(new Failure(at, method, path, response.statusCode(), revision,
                            "HTTP " + response.statusCode() + " from " + (revision.isEmpty() ? "the router" : revision)));
                    return;
                }
                succeeded.incrementAndGet();
                JsonNode json = JSON.readTree(response.body());
                onSuccess.accept(json);
                if (path.equals("/customers")) {
                    synchronized (customerIds) {
                        customerIds.add(json.get("id").asLong());
                    }
                }
            } catch (Exception e) {
                failures.add(new Failure(at, method, path, 0, "", "unreadable answer (" + e.getMessage() + ")"));
            } finally {
                inFlight.decrementAndGet();
            }
        });
    }

    public long sent() {
        return sent.get();
    }

    public long succeeded() {
        return succeeded.get();
    }

    public List<Failure> failures() {
        return List.copyOf(failures);
    }

    /** Answers per revision that gave them ({@code router} when the router answered itself). */
    public Map<String, Long> answersByRevision() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        answersByRevision.forEach((revision, count) -> copy.put(revision, count.get()));
        return copy;
    }

    /** Customers the service confirmed (201) with the name sent. */
    public Map<Long, String> writtenCustomers() {
        return Map.copyOf(customers);
    }

    public Map<Long, WrittenOrder> writtenOrders() {
        return Map.copyOf(orders);
    }

    public double elapsedSeconds() {
        return (System.currentTimeMillis() - startedAt) / 1000.0;
    }

    @Override
    public void close() {
        stop();
        clientExecutor.shutdownNow();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
