package dev.slipway.examples.orders;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running orders service: HTTP server, request threads and connection pool. Start one with
 * {@link #start}; {@link #close} drains it the way SIGTERM does.
 *
 * <pre>{@code
 * try (OrdersService service = OrdersService.start(OrdersVersion.V2, OrdersConfig.of(0, url, "public_v2"))) {
 *     URI api = service.baseUri();
 * }
 * }</pre>
 */
public final class OrdersService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OrdersService.class);

    private static final int POOL_SIZE = 4;
    private static final int REQUEST_THREADS = 16;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    /**
     * How long a request waits for a pooled connection. A starved machine (a JVM starting next door) can make the
     * database slow for seconds; giving up after 2 s turned such a stall into HTTP 503s from a healthy release. Still
     * well inside a client's usual 10 s, so that a database that is down gets a 503, not a client timeout.
     */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    /**
     * {@code /ready} has a pool of its own that answers within this bound while the database is down, and is never
     * kept waiting behind the requests' queue: ready means "the schema is readable", not "no request is waiting".
     */
    private static final Duration READINESS_CONNECTION_TIMEOUT = Duration.ofSeconds(1);

    static {
        // The JDK server writes headers and body in separate packets; without TCP_NODELAY,
        // Nagle's algorithm and delayed ACKs add ~40 ms to every keep-alive response. Read once,
        // when the JDK's server configuration is first loaded, so it must be set before that.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final OrdersVersion version;
    private final HttpServer server;
    private final ExecutorService requestThreads;
    private final HikariDataSource database;
    private final HikariDataSource readinessDatabase;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();

    private OrdersService(OrdersVersion version, HttpServer server, ExecutorService requestThreads,
            HikariDataSource database, HikariDataSource readinessDatabase) {
        this.version = version;
        this.server = server;
        this.requestThreads = requestThreads;
        this.database = database;
        this.readinessDatabase = readinessDatabase;
    }

    /**
     * Starts listening at once. The database need not be reachable: the pool keeps trying in
     * the background and {@code /ready} answers 503 until it can read the schema.
     *
     * @throws IOException when the port cannot be bound
     */
    public static OrdersService start(OrdersVersion version, OrdersConfig config) throws IOException {
        HikariDataSource database = new HikariDataSource(
                poolConfig(version, config, "orders-" + version.version(), POOL_SIZE, CONNECTION_TIMEOUT));
        HikariDataSource readinessDatabase = new HikariDataSource(
                poolConfig(version, config, "orders-" + version.version() + "-ready", 1, READINESS_CONNECTION_TIMEOUT));
        ExecutorService requestThreads = Executors.newFixedThreadPool(REQUEST_THREADS, new RequestThreadFactory());
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        } catch (IOException | RuntimeException e) {
            requestThreads.shutdownNow();
            database.close();
            readinessDatabase.close();
            throw e;
        }
        OrdersService service = new OrdersService(version, server, requestThreads, database, readinessDatabase);
        FaultInjector faults = new FaultInjector(version.faultRate(config), version.faults(config));
        OrdersApi api = new OrdersApi(version, database, readinessDatabase, faults, service::isShuttingDown);
        server.createContext("/", exchange -> {
            service.inFlight.incrementAndGet();
            try {
                api.handle(exchange);
            } finally {
                service.inFlight.decrementAndGet();
            }
        });
        server.setExecutor(requestThreads);
        server.start();
        log.info("orders {} listening on http://{}:{} (schema {} via {}, fault rate {}, {})", version.version(),
                config.host(), service.port(), version.schemaVersion(), config.databaseSchema(), faults.rate(),
                faults.faults());
        return service;
    }

    private static HikariConfig poolConfig(OrdersVersion version, OrdersConfig config, String name, int size,
            Duration connectionTimeout) {
        HikariConfig pool = new HikariConfig();
        pool.setPoolName(name);
        pool.setJdbcUrl(config.databaseUrl());
        if (config.databaseUser() != null) {
            pool.setUsername(config.databaseUser());
        }
        if (config.databasePassword() != null) {
            pool.setPassword(config.databasePassword());
        }
        // The versioned view schema alone: unqualified names must resolve to this release's
        // views, never fall through to the base tables.
        pool.addDataSourceProperty("currentSchema", config.databaseSchema());
        // Slipway sets PGAPPNAME to service/version so that it can tell each release's sessions apart.
        pool.addDataSourceProperty("ApplicationName",
                config.applicationName() != null ? config.applicationName() : "orders-" + version.version());
        pool.setMaximumPoolSize(size);
        pool.setMinimumIdle(size);
        pool.setConnectionTimeout(connectionTimeout.toMillis());
        // Negative: do not fail (or wait) at start when the database is down; connect lazily
        // and keep retrying in the background instead.
        pool.setInitializationFailTimeout(-1);
        return pool;
    }

    /** The port actually bound (useful when configured with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The base URI of the API, e.g. {@code http://127.0.0.1:18081}. */
    public URI baseUri() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + port());
    }

    public OrdersVersion version() {
        return version;
    }

    public boolean isShuttingDown() {
        return shuttingDown.get();
    }

    /** Marks the service not ready, so that {@code /ready} answers 503; requests are still served. */
    public void beginShutdown() {
        if (shuttingDown.compareAndSet(false, true)) {
            log.info("shutting down: not ready any more, draining requests");
        }
    }

    /**
     * Drains and stops: not ready at once, waits for in-flight requests (up to 5 s), stops the
     * server and closes the pool. Safe to call more than once.
     */
    @Override
    public void close() {
        beginShutdown();
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long started = System.nanoTime();
        awaitNoRequestsInFlight();
        // Our own drain above, then stop(0): JDK 17's HttpServer.stop(n) waits the full n seconds
        // when no exchange is in progress, which would slow every idle shutdown by 5 s.
        server.stop(0);
        requestThreads.shutdown();
        try {
            if (!requestThreads.awaitTermination(1, TimeUnit.SECONDS)) {
                requestThreads.shutdownNow();
            }
        } catch (InterruptedException e) {
            requestThreads.shutdownNow();
            Thread.currentThread().interrupt();
        }
        database.close();
        readinessDatabase.close();
        log.info("stopped after {} ms", Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    private void awaitNoRequestsInFlight() {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (inFlight.get() > 0) {
            log.warn("{} requests still in flight after {} s; stopping anyway", inFlight.get(),
                    DRAIN_TIMEOUT.toSeconds());
        }
    }

    /** Names request threads so that log lines say where they come from. */
    private static final class RequestThreadFactory implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
