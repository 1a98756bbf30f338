package dev.slipway.runtime.local;

import dev.slipway.runtime.probe.HttpProbe;
import dev.slipway.runtime.probe.PortAllocator;
import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The embedded default runtime: every replica is a child process listening on 127.0.0.1 at a port this runtime
 * allocates and passes as {@code PORT} (and {@code HOST=127.0.0.1}).
 *
 * <p>Files under the state directory: {@code logs/<service>-<revision>-<ordinal>.log} receives the replica's stdout
 * and stderr (appended, across restarts), and {@code run/<replica id>.properties} describes each running replica so
 * that a later runtime on the same directory (after a controller crash) adopts it instead of losing it.
 *
 * <p>A small shared scheduler probes readiness and liveness over HTTP/1.1. Readiness moves a replica between
 * STARTING, READY and NOT_READY; liveness failures of a replica that was ready restart its process on the same port.
 * Safe to call from several threads.
 */
public final class LocalRuntime implements Runtime {
    private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);

    private static final String HOST = "127.0.0.1";
    private static final int PROBE_THREADS = 2;
    /** How long a process being restarted for failing liveness gets to exit on SIGTERM. */
    private static final Duration RESTART_GRACE = Duration.ofSeconds(5);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final Path workingDirectory;
    private final Path logDirectory;
    private final Path runDirectory;
    private final Map<String, LocalReplica> replicas = new ConcurrentHashMap<>();
    private final PortAllocator ports = new PortAllocator();
    private final HttpProbe probe = new HttpProbe(daemonThreads("slipway-local-http"));
    private final ScheduledExecutorService scheduler;
    /** Runs the blocking parts: ending a process for a restart, stopping replicas in parallel on close. */
    private final ExecutorService terminations;
    private volatile boolean closed;

    /** A runtime whose replicas run in the JVM's current directory. */
    public LocalRuntime(Path stateDirectory) {
        this(stateDirectory, Path.of("").toAbsolutePath());
    }

    /**
     * @param stateDirectory   usually {@code .slipway/}; created if missing; running replicas described there are
     *                         adopted
     * @param workingDirectory where replica commands run
     */
    public LocalRuntime(Path stateDirectory, Path workingDirectory) {
        this.workingDirectory = workingDirectory.toAbsolutePath();
        this.logDirectory = stateDirectory.resolve("logs");
        this.runDirectory = stateDirectory.resolve("run");
        try {
            Files.createDirectories(logDirectory);
            Files.createDirectories(runDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + stateDirectory + ": " + e.getMessage(), e);
        }
        ScheduledThreadPoolExecutor probeScheduler = new ScheduledThreadPoolExecutor(PROBE_THREADS,
                daemonThreads("slipway-local-probe"));
        probeScheduler.setRemoveOnCancelPolicy(true);
        this.scheduler = probeScheduler;
        this.terminations = Executors.newCachedThreadPool(daemonThreads("slipway-local-stop"));
        adoptRunningReplicas();
    }

    @Override
    public Replica start(ReplicaRequest request) {
        if (closed) {
            throw new IllegalStateException("the local runtime is closed");
        }
        if (request.run() == null || request.run().command().isEmpty()) {
            throw new IllegalArgumentException(request.service() + " " + request.revision()
                    + ": run.command is empty; nothing to start");
        }
        int port = ports.allocate();
        String id = request.service() + "-" + request.revision() + "-" + request.ordinal() + "-" + shortRandom();
        Replica replica = new Replica(id, request.service(), request.revision(), HOST, port);

        Map<String, String> environment = new HashMap<>(request.run().env());
        environment.putAll(request.environment());
        environment.put("PORT", Integer.toString(port));
        environment.put("HOST", HOST);
        HealthSpec health = request.health() == null ? HealthSpec.defaults() : request.health();
        LaunchPlan plan = new LaunchPlan(request.run().command(), environment, workingDirectory, health);
        Path logFile = logDirectory.resolve(request.service() + "-" + request.revision() + "-" + request.ordinal() + ".log");

        LocalReplica localReplica = new LocalReplica(replica, request.ordinal(), plan, logFile);
        replicas.put(id, localReplica);
        launch(localReplica, 0);
        startProbing(localReplica);
        return replica;
    }

    @Override
    public ReplicaState awaitReady(Replica replica, Duration deadline) {
        LocalReplica localReplica = replicas.get(replica.id());
        return localReplica == null ? ReplicaState.FAILED : localReplica.awaitReady(deadline);
    }

    /** The last probed state; a replica this runtime never started nor adopted is reported FAILED (it is not running). */
    @Override
    public ReplicaState state(Replica replica) {
        LocalReplica localReplica = replicas.get(replica.id());
        return localReplica == null ? ReplicaState.FAILED : localReplica.state();
    }

    /** Idempotent: a second call waits for the first one to finish. */
    @Override
    public void stop(Replica replica, Duration grace) {
        LocalReplica localReplica = replicas.get(replica.id());
        if (localReplica == null) {
            return;
        }
        if (!localReplica.markStopped()) {
            waitForOtherStop(localReplica, grace);
            return;
        }
        try {
            localReplica.process().filter(ProcessHandle::isAlive).ifPresent(handle -> {
                long started = System.nanoTime();
                boolean graceful = ProcessTree.terminate(handle, grace);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                if (graceful) {
                    log.info("stopped {} (pid {}) in {} ms", replica.id(), handle.pid(), millis);
                } else {
                    log.warn("killed {} (pid {}): still running {} ms after SIGTERM", replica.id(), handle.pid(),
                            grace.toMillis());
                    appendToLog(localReplica, "killed: still running " + grace.toMillis() + " ms after SIGTERM");
                }
            });
            deleteStateFile(localReplica);
            ports.release(replica.port());
        } finally {
            localReplica.stopped().complete(null);
        }
    }

    /** Replicas of a service that have not been stopped, FAILED ones included (they still need a stop). */
    @Override
    public List<Replica> list(String service) {
        return replicas.values().stream()
                .filter(localReplica -> localReplica.replica().service().equals(service))
                .filter(localReplica -> localReplica.state() != ReplicaState.STOPPED)
                .sorted(Comparator.comparing((LocalReplica localReplica) -> localReplica.replica().revision())
                        .thenComparing(LocalReplica::ordinal))
                .map(LocalReplica::replica)
                .toList();
    }

    /** How many times liveness failures restarted the replica's process (carried over by adoption). */
    public int restarts(Replica replica) {
        LocalReplica localReplica = replicas.get(replica.id());
        return localReplica == null ? 0 : localReplica.restarts();
    }

    /** Why a FAILED replica failed, in words for the user (e.g. "exited with code 3"). */
    public Optional<String> failureReason(Replica replica) {
        LocalReplica localReplica = replicas.get(replica.id());
        return localReplica == null ? Optional.of("not known to this runtime") : localReplica.failureReason();
    }

    /** The file receiving the replica's stdout and stderr. */
    public Path logFile(Replica replica) {
        LocalReplica localReplica = replicas.get(replica.id());
        if (localReplica == null) {
            throw new IllegalArgumentException("unknown replica " + replica.id());
        }
        return localReplica.logFile();
    }

    /** The operating-system pid of the replica's current process, if one is running. */
    public OptionalLong processId(Replica replica) {
        LocalReplica localReplica = replicas.get(replica.id());
        if (localReplica == null) {
            return OptionalLong.empty();
        }
        return localReplica.process().filter(ProcessHandle::isAlive)
                .map(handle -> OptionalLong.of(handle.pid())).orElse(OptionalLong.empty());
    }

    /** Stops every replica this runtime started or adopted (in parallel, a few seconds' grace each), then probing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (LocalReplica localReplica : replicas.values()) {
            stops.add(CompletableFuture.runAsync(() -> stop(localReplica.replica(), CLOSE_GRACE), terminations));
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
        scheduler.shutdownNow();
        terminations.shutdownNow();
        probe.close();
    }

    /**
     * Forgets every replica without stopping it: probing ends, processes and state files stay, so that another
     * runtime on the same state directory adopts them. This is what a controller crash leaves behind.
     */
    public void detach() {
        closed = true;
        scheduler.shutdownNow();
        terminations.shutdownNow();
        probe.close();
        replicas.clear();
    }

    // ---------------------------------------------------------------------------------------------------------------

    private void launch(LocalReplica localReplica, long generation) {
        Optional<Process> launched = localReplica.launch(generation,
                () -> startProcess(localReplica), Instant.now());
        if (launched.isEmpty()) {
            if (localReplica.state() == ReplicaState.FAILED) {
                String reason = localReplica.failureReason().orElse("");
                log.error("{}: {}", localReplica.replica().id(), reason);
                appendToLog(localReplica, reason);
                ports.release(localReplica.replica().port());
            }
            return;
        }
        writeStateFile(localReplica);
        watchExit(localReplica, generation,
                launched.get().onExit().thenApply(process -> "exited with code " + process.exitValue()));
    }

    private Process startProcess(LocalReplica localReplica) throws IOException {
        LaunchPlan plan = localReplica.plan();
        appendToLog(localReplica, "starting " + localReplica.replica().id() + " on " + localReplica.replica().address()
                + ": " + String.join(" ", plan.command()));
        ProcessBuilder builder = new ProcessBuilder(plan.command())
                .directory(plan.workingDirectory().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(localReplica.logFile().toFile()));
        builder.environment().putAll(plan.environment());
        Process process = builder.start();
        // Nothing is ever written to stdin; an early EOF is what the process would see after adoption anyway.
        process.getOutputStream().close();
        log.info("started {} (pid {}) on {}", localReplica.replica().id(), process.pid(),
                localReplica.replica().address());
        return process;
    }

    /** @param exitNotice completes with words for the user once the process has exited */
    private void watchExit(LocalReplica localReplica, long generation, CompletableFuture<String> exitNotice) {
        exitNotice.thenAccept(how -> {
            if (closed) {
                return;
            }
            if (localReplica.processExited(generation, how)) {
                log.warn("{} {}", localReplica.replica().id(), how);
                appendToLog(localReplica, how);
                deleteStateFile(localReplica);
            }
        });
    }

    private void startProbing(LocalReplica localReplica) {
        ProbeSpec readiness = localReplica.plan().health().readiness();
        ProbeSpec liveness = localReplica.plan().health().liveness();
        if (readiness != null) {
            later(() -> probeReadiness(localReplica), readiness.period());
        }
        if (liveness != null) {
            later(() -> probeLiveness(localReplica), liveness.period());
        }
    }

    private void probeReadiness(LocalReplica localReplica) {
        if (closed || !localReplica.isProbed()) {
            return;
        }
        ProbeSpec readiness = localReplica.plan().health().readiness();
        long generation = localReplica.generation();
        probe.passes(localReplica.replica().port(), readiness).thenAccept(passed -> {
            ReplicaState before = localReplica.state();
            localReplica.readinessProbed(generation, passed, Instant.now());
            reportChange(localReplica, before);
            later(() -> probeReadiness(localReplica), readiness.period());
        });
    }

    private void probeLiveness(LocalReplica localReplica) {
        if (closed || !localReplica.isProbed()) {
            return;
        }
        ProbeSpec liveness = localReplica.plan().health().liveness();
        long generation = localReplica.generation();
        probe.passes(localReplica.replica().port(), liveness).thenAccept(passed -> {
            if (localReplica.livenessProbed(generation, passed)) {
                restart(localReplica, liveness);
            }
            later(() -> probeLiveness(localReplica), liveness.period());
        });
    }

    private void reportChange(LocalReplica localReplica, ReplicaState before) {
        ReplicaState after = localReplica.state();
        if (after == before) {
            return;
        }
        if (after == ReplicaState.FAILED) {
            String reason = localReplica.failureReason().orElse("failed");
            log.warn("{} FAILED: {}", localReplica.replica().id(), reason);
            appendToLog(localReplica, "FAILED: " + reason);
        } else {
            log.info("{} {} -> {}", localReplica.replica().id(), before, after);
        }
    }

    private void restart(LocalReplica localReplica, ProbeSpec liveness) {
        Optional<ProcessHandle> previous = localReplica.beginRestart(Instant.now());
        if (previous.isEmpty()) {
            return;
        }
        long generation = localReplica.generation();
        String message = "restarting " + localReplica.replica().id() + ": liveness failed "
                + liveness.failureThreshold() + " times in a row on " + liveness.path()
                + " (restart " + localReplica.restarts() + ")";
        log.warn(message);
        appendToLog(localReplica, message);
        try {
            terminations.execute(() -> {
                ProcessTree.terminate(previous.get(), RESTART_GRACE);
                if (!closed) {
                    launch(localReplica, generation);
                }
            });
        } catch (RejectedExecutionException runtimeClosed) {
            // close() or detach() is under way; the replica is being stopped or left as it is.
        }
    }

    private void later(Runnable task, Duration delay) {
        if (closed) {
            return;
        }
        try {
            scheduler.schedule(task, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException runtimeClosed) {
            // Probing ends with the runtime.
        }
    }

    private void waitForOtherStop(LocalReplica localReplica, Duration grace) {
        try {
            localReplica.stopped().get(grace.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("{}: the concurrent stop did not finish: {}", localReplica.replica().id(), e.toString());
        }
    }

    // --- adoption ---------------------------------------------------------------------------------------------------

    private void adoptRunningReplicas() {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(runDirectory, "*" + ReplicaStateFile.SUFFIX)) {
            for (Path file : files) {
                adoptOrForget(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + runDirectory + ": " + e.getMessage(), e);
        }
    }

    private void adoptOrForget(Path file) {
        ReplicaStateFile described;
        try {
            described = ReplicaStateFile.read(file);
        } catch (IOException e) {
            log.warn("ignoring {}", e.getMessage());
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(described.pid())
                .filter(handle -> isSameProcess(handle, described.processStart()));
        if (process.isEmpty()) {
            log.info("forgetting {}: its process {} is gone", described.replica().id(), described.pid());
            deleteQuietly(file);
            return;
        }
        Replica replica = described.replica();
        Path logFile = logDirectory.resolve(replica.service() + "-" + replica.revision() + "-" + described.ordinal() + ".log");
        LocalReplica localReplica = new LocalReplica(replica, described.ordinal(), described.plan(), logFile);
        localReplica.adopt(process.get(), described.processStart(), described.restarts(), Instant.now());
        ports.reserve(replica.port());
        replicas.put(replica.id(), localReplica);
        // An adopted process is not our child: its exit code is not ours to read.
        watchExit(localReplica, localReplica.generation(),
                process.get().onExit().thenApply(handle -> "process " + handle.pid() + " exited"));
        startProbing(localReplica);
        log.info("adopted {} (pid {}) on {}", replica.id(), described.pid(), replica.address());
    }

    /** A pid can be recycled: only the same start instant proves it is still the process we launched. */
    private static boolean isSameProcess(ProcessHandle handle, Instant recordedStart) {
        // Linux derives the start instant from the boot time, which a clock adjustment can shift by a second.
        return handle.info().startInstant()
                .map(actualStart -> Duration.between(actualStart, recordedStart).abs().compareTo(Duration.ofSeconds(2)) < 0)
                .orElse(false);
    }

    // --- files ------------------------------------------------------------------------------------------------------

    private void writeStateFile(LocalReplica localReplica) {
        try {
            localReplica.stateFile().write(ReplicaStateFile.pathFor(runDirectory, localReplica.replica().id()));
        } catch (IOException e) {
            // The replica runs fine without it; only adoption after a crash is lost.
            log.warn("{}: cannot write its state file, it will not be adopted after a restart: {}",
                    localReplica.replica().id(), e.getMessage());
        }
    }

    private void deleteStateFile(LocalReplica localReplica) {
        deleteQuietly(ReplicaStateFile.pathFor(runDirectory, localReplica.replica().id()));
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", file, e.getMessage());
        }
    }

    private static void appendToLog(LocalReplica localReplica, String line) {
        try {
            Files.writeString(localReplica.logFile(), "--- slipway " + Instant.now() + ": " + line + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.warn("cannot write to {}: {}", localReplica.logFile(), e.getMessage());
        }
    }

    private static String shortRandom() {
        byte[] bytes = new byte[3];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            // A forgotten close() must not keep the controller's JVM alive.
            thread.setDaemon(true);
            return thread;
        };
    }
}
