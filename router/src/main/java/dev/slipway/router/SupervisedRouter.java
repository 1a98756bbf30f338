package dev.slipway.router;

import dev.slipway.model.RouterSpec;
import dev.slipway.model.support.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The router process of a state directory, kept running: when it dies (a {@code kill -9}, an out-of-memory exit) a
 * watch thread notices within a fraction of a second, starts a new one on the same client and admin addresses, and
 * gives it the last route table it was sent, so clients are served again as soon as the new process listens and the
 * replicas, which never stopped, need nothing. The controller drives it as any {@link TrafficRouter}; a call that
 * fails because the process died waits for the new one and is sent again (every admin call is idempotent).
 *
 * <p>The admin port stays the same across restarts, so whoever reads metrics from it (analysis, Prometheus) keeps
 * reading from the right place; the counters start again from zero in the new process.
 */
public final class SupervisedRouter implements TrafficRouter {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisedRouter.class);
    static final Duration WATCH_PERIOD = Duration.ofMillis(100);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(30);

    private final Path stateDirectory;
    private final RouterSpec spec;
    private final Path logFile;
    private final Consumer<String> restarts;
    private final ScheduledExecutorService watch;
    private volatile RouterProcess process;
    /** The last table sent, given to a restarted process before anything else; null until the first one. */
    private volatile RouteTable lastTable;
    /** A restarted process that has not got {@link #lastTable} yet: the watch sends it again until it has. */
    private volatile boolean tablePending;
    private volatile boolean closed;
    private int failedStarts;
    private long nextStartNanos;

    private SupervisedRouter(Path stateDirectory, RouterSpec spec, Path logFile, RouterProcess process,
                             Consumer<String> restarts) {
        this.stateDirectory = stateDirectory;
        // A restarted process keeps the addresses the first one got, even those the spec left to the system.
        RemoteRouter first = process.router();
        this.spec = new RouterSpec(RouterStateFile.hostAndPort(first.address()),
                first.previewAddress().map(RouterStateFile::hostAndPort), RouterStateFile.hostAndPort(first.adminAddress()),
                spec.tls(), spec.timeouts(), spec.maxConnections(), spec.trustedProxies());
        this.logFile = logFile;
        this.process = process;
        this.restarts = restarts;
        this.watch = Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("slipway-router-watch"));
    }

    /**
     * Adopts the router an earlier controller left running for {@code stateDirectory}, or starts one as {@code spec}
     * says, and watches it from now on. {@code restarts} hears, in words for the user, of each restart.
     */
    public static SupervisedRouter start(Path stateDirectory, RouterSpec spec, Path logFile, Consumer<String> restarts) {
        RouterProcess process = RouterProcess.adopt(stateDirectory)
                .orElseGet(() -> RouterProcess.spawn(stateDirectory, spec, logFile));
        SupervisedRouter router = new SupervisedRouter(stateDirectory, spec, logFile, process, restarts);
        router.watch.scheduleWithFixedDelay(router::restartIfDead, WATCH_PERIOD.toMillis(), WATCH_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
        return router;
    }

    /** The router process serving now. */
    public RouterProcess process() {
        return process;
    }

    /** Synchronized with {@link #sendPendingTable}, so that a pending older table never lands after this one. */
    @Override
    public synchronized void route(RouteTable table) {
        call(router -> {
            router.route(table);
            return null;
        });
        lastTable = table;
        tablePending = false;
    }

    @Override
    public RouteTable routes() {
        return call(RemoteRouter::routes);
    }

    @Override
    public boolean awaitDrained(Endpoint endpoint, Duration timeout) {
        return call(router -> router.awaitDrained(endpoint, timeout));
    }

    @Override
    public RevisionMetrics metrics(String revision) {
        return call(router -> router.metrics(revision));
    }

    @Override
    public InetSocketAddress address() {
        return process.router().address();
    }

    @Override
    public InetSocketAddress adminAddress() {
        return process.router().adminAddress();
    }

    @Override
    public Optional<InetSocketAddress> previewAddress() {
        return process.router().previewAddress();
    }

    /** Stops watching and leaves the process running (a controller that ends by a crash does the same). */
    @Override
    public void close() {
        closed = true;
        watch.shutdownNow();
        process.router().close();
    }

    /** Stops watching, then stops the router process (SIGTERM: in-flight requests finish). */
    public void stop() {
        closed = true;
        watch.shutdownNow();
        process.stop();
    }

    /** On the calling thread: once more on the new process when the call failed because the old one died. */
    private <T> T call(Function<RemoteRouter, T> action) {
        RouterProcess used = process;
        try {
            return action.apply(used.router());
        } catch (RuntimeException e) {
            if (closed || used.isAlive()) {
                throw e;
            }
            return action.apply(restartIfDead(used).router());
        }
    }

    private void restartIfDead() {
        try {
            restartIfDead(process);
            if (tablePending) {
                sendPendingTable();
            }
        } catch (RuntimeException e) {
            LOG.warn("router not restarted yet: {}", e.getMessage());
        }
    }

    /** Gives the restarted process the last table; a failure (a new JVM slow to answer) is tried again next tick. */
    private synchronized void sendPendingTable() {
        RouteTable table = lastTable;
        if (!tablePending || closed || table == null) {
            return;
        }
        process.router().route(table);
        tablePending = false;
        restarts.accept("router process " + process.pid() + " has the last route table");
    }

    /**
     * Starts a new process when {@code seen} is still the current one and has died; returns the process serving now.
     * A start that fails (the client port taken by someone else) is tried again after 1, 2, 4 ... 30 s.
     */
    private synchronized RouterProcess restartIfDead(RouterProcess seen) {
        if (closed || process != seen || seen.isAlive()) {
            return process;
        }
        if (System.nanoTime() - nextStartNanos < 0) {
            throw new IllegalStateException("router process " + seen.pid() + " is gone; the next start is due later");
        }
        long diedAt = System.nanoTime();
        seen.router().close();
        RouterProcess started;
        try {
            started = RouterProcess.spawn(stateDirectory, spec, logFile);
        } catch (RuntimeException e) {
            failedStarts++;
            long delay = Math.min(MAX_RETRY_DELAY.toMillis(), 1000L << Math.min(failedStarts - 1, 10));
            nextStartNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
            restarts.accept("router process " + seen.pid() + " died and could not be started again (next try in "
                    + delay / 1000 + " s): " + e.getMessage());
            throw e;
        }
        failedStarts = 0;
        // The new process is the router from now on, even before it has its table: were a failure to send the table
        // to leave it unadopted, it would hold the ports and the state file, and every later start would be refused.
        process = started;
        RouteTable table = lastTable;
        String sent = "";
        if (table != null) {
            try {
                started.router().route(table);
                sent = " with the last route table";
            } catch (RuntimeException e) {
                tablePending = true;
                sent = " (the last route table is not in yet, sent again until it is: " + e.getMessage() + ")";
            }
        }
        restarts.accept("router process " + seen.pid() + " died; started router process " + started.pid() + sent
                + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - diedAt) + " ms");
        return started;
    }
}
