package dev.slipway.cli;

import dev.slipway.model.support.DaemonThreads;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The embedded PostgreSQL that this process started, kept running once {@link #watch} is called: when its postmaster
 * dies (a {@code kill -9}, the OOM killer) a watch thread notices within a fraction of a second, waits until the dead
 * server's last processes are gone (they hold its shared memory, and a new postmaster refuses to start beside them),
 * and starts it again on the same data directory, port and password, with the same durable settings
 * ({@link EmbeddedServer}). PostgreSQL's crash recovery replays the WAL, so every acknowledged commit is there.
 *
 * <p>Everything else waits the outage out by itself (the store, the schema engine's backfill, the replicas' pools);
 * this only makes sure the outage ends. A server that keeps dying is started again after 1, 2, 4 ... 30 s (after one
 * that ran for a minute, at once again), and a start that fails is tried again on the same schedule. Each death and
 * each start is told to the listener in words for the user (up puts them on the timeline).
 */
final class SupervisedEmbeddedServer implements AutoCloseable {
    static final Duration WATCH_PERIOD = Duration.ofMillis(200);
    /** A server that ran this long before it died is not in a crash loop: the next start is immediate. */
    private static final Duration STABLE_AFTER = Duration.ofSeconds(60);
    private static final Duration MAX_DELAY = Duration.ofSeconds(30);
    /** How long the last processes of a dead postmaster get to notice and exit before they are killed. */
    private static final Duration ORPHANS_GRACE = Duration.ofSeconds(10);

    private final Path stateDirectory;
    private final int port;
    private final String password;
    private EmbeddedPostgres server;
    private long postmasterPid;
    private long startedAtNanos;
    /** The postmaster's children seen at the last look: after it dies, they must be gone before the next start. */
    private Set<Long> children = Set.of();
    private ScheduledExecutorService watch;
    private Consumer<String> events = event -> { };
    private int deathsInARow;
    private long nextStartNanos;
    private boolean down;
    private boolean closed;

    private SupervisedEmbeddedServer(Path stateDirectory, EmbeddedServer.Started started) {
        this.stateDirectory = stateDirectory;
        this.port = started.postgres().getPort();
        this.password = started.password();
        running(started.postgres());
    }

    /** Starts the embedded server of {@code stateDirectory} on its remembered port; notes go to {@code notes}. */
    static SupervisedEmbeddedServer start(Path stateDirectory, Consumer<String> notes) {
        return new SupervisedEmbeddedServer(stateDirectory, EmbeddedServer.start(stateDirectory, notes));
    }

    /** As {@link #start(Path, Consumer)}, on {@code port} exactly (tests that restart a server they own). */
    static SupervisedEmbeddedServer startOn(Path stateDirectory, int port) {
        return new SupervisedEmbeddedServer(stateDirectory, EmbeddedServer.start(stateDirectory, port));
    }

    int port() {
        return port;
    }

    String password() {
        return password;
    }

    /** From now on, starts the server again when it dies, and tells {@code events} about it. */
    synchronized void watch(Consumer<String> events) {
        if (closed || watch != null) {
            return;
        }
        this.events = events;
        watch = Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("slipway-postgres-watch"));
        watch.scheduleWithFixedDelay(this::check, WATCH_PERIOD.toMillis(), WATCH_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Stops watching, then stops the server (fast shutdown: open transactions roll back, nothing committed is lost). */
    @Override
    public void close() {
        ScheduledExecutorService watching;
        synchronized (this) {
            closed = true;
            watching = watch;
        }
        if (watching != null) {
            watching.shutdownNow();
            try {
                watching.awaitTermination(60, TimeUnit.SECONDS); // a start under way finishes, then is stopped below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            stopQuietly(server);
        }
    }

    private void check() {
        try {
            checkOnce();
        } catch (RuntimeException e) {
            events.accept("the embedded PostgreSQL is not watched as it should be: " + e.getMessage());
        }
    }

    private synchronized void checkOnce() {
        if (closed) {
            return;
        }
        if (!down) {
            Optional<ProcessHandle> postmaster = ProcessHandle.of(postmasterPid).filter(ProcessHandle::isAlive)
                    .filter(process -> !isZombie(process.pid()));
            if (postmaster.isPresent()) {
                children = childrenOf(postmaster.get());
                return;
            }
            down = true;
            long ranMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAtNanos);
            deathsInARow = ranMillis >= STABLE_AFTER.toMillis() ? 1 : deathsInARow + 1;
            long delay = delayMillis(deathsInARow);
            nextStartNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
            events.accept("the embedded PostgreSQL (postmaster pid " + postmasterPid + ", port " + port + ") died after"
                    + " running " + ranMillis / 1000 + " s; starting it again on the same data directory"
                    + (delay == 0 ? "" : " in " + delay / 1000 + " s (death " + deathsInARow + " in a row)"));
        }
        if (System.nanoTime() - nextStartNanos < 0) {
            return;
        }
        restart();
    }

    /** Starts the server again; on failure, schedules the next try further out. */
    private void restart() {
        long diedPid = postmasterPid;
        long beganAt = System.nanoTime();
        stopQuietly(server); // releases the library's lock on the data directory; the dead server needs no stopping
        awaitGone(children);
        try {
            running(EmbeddedServer.start(stateDirectory, port).postgres());
        } catch (RuntimeException e) {
            deathsInARow++;
            long delay = delayMillis(deathsInARow);
            nextStartNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
            events.accept("the embedded PostgreSQL could not be started again (next try in " + delay / 1000 + " s): "
                    + e.getMessage() + "; its log: " + stateDirectory.resolve("postgres.log"));
            return;
        }
        down = false;
        events.accept("the embedded PostgreSQL is running again (postmaster pid " + postmasterPid + ", was "
                + diedPid + ") on port " + port + ", started in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beganAt) + " ms; crash recovery kept every"
                + " committed row");
    }

    private void running(EmbeddedPostgres started) {
        server = started;
        startedAtNanos = System.nanoTime();
        postmasterPid = postmasterPid(stateDirectory.resolve("postgres"));
        children = ProcessHandle.of(postmasterPid).map(SupervisedEmbeddedServer::childrenOf).orElse(Set.of());
    }

    /** No wait after the first death; then 1, 2, 4 ... 30 s. */
    private static long delayMillis(int deathsInARow) {
        return deathsInARow <= 1 ? 0 : Math.min(MAX_DELAY.toMillis(), 1000L << Math.min(deathsInARow - 2, 10));
    }

    /**
     * On Linux from {@code /proc/PID/task/PID/children} (the postmaster forks from its only thread): one small file,
     * where {@link ProcessHandle#children} reads every process of the machine, which every 0.2 s would cost a few
     * percent of a core.
     */
    private static Set<Long> childrenOf(ProcessHandle postmaster) {
        Set<Long> pids = new HashSet<>();
        String pid = Long.toString(postmaster.pid());
        try {
            for (String child : Files.readString(Path.of("/proc", pid, "task", pid, "children")).trim().split("\\s+")) {
                if (!child.isEmpty()) {
                    pids.add(Long.parseLong(child));
                }
            }
            return pids;
        } catch (IOException | RuntimeException noProcChildren) {
            postmaster.children().forEach(child -> pids.add(child.pid()));
            return pids;
        }
    }

    /**
     * Waits until the dead postmaster's children have exited (each notices its parent's death on its own); those
     * still there after a grace period are killed, as PostgreSQL's own message tells an operator to do.
     */
    private static void awaitGone(Set<Long> pids) {
        long deadline = System.nanoTime() + ORPHANS_GRACE.toNanos();
        for (long pid : pids) {
            Optional<ProcessHandle> process = ProcessHandle.of(pid);
            if (process.isEmpty()) {
                continue;
            }
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                process.get().onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException stillThere) {
                process.get().destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                // onExit does not fail
            }
        }
    }

    /**
     * A dead postmaster nobody has reaped yet still looks alive to {@link ProcessHandle#isAlive}: in a container whose
     * init does not reap orphans (or where {@code up} itself is pid 1) it would stay so forever.
     */
    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int afterName = stat.lastIndexOf(')'); // the name, in parentheses, may contain anything
            return afterName > 0 && stat.length() > afterName + 2 && stat.charAt(afterName + 2) == 'Z';
        } catch (IOException | RuntimeException gone) {
            return false; // no /proc (not Linux) or gone already: isAlive decides
        }
    }

    private static long postmasterPid(Path dataDirectory) {
        try {
            List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
            return Long.parseLong(lines.get(0).strip());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the postmaster's pid in " + dataDirectory + ": " + e.getMessage(),
                    e);
        }
    }

    private static void stopQuietly(EmbeddedPostgres server) {
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            System.err.println("warning: could not stop the embedded PostgreSQL: " + e.getMessage());
        }
    }
}
