package dev.slipway.runtime.local;

import dev.slipway.model.support.OwnerOnly;
import dev.slipway.runtime.probe.PortAllocator;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.Runtime;
import dev.slipway.runtime.RestartPolicy;
import dev.slipway.model.support.DaemonThreads;
import dev.slipway.runtime.replica.CrashBackoff;
import dev.slipway.runtime.replica.CrashRestarts;
import dev.slipway.runtime.replica.LivenessRestarts;
import dev.slipway.runtime.replica.NewReplica;
import dev.slipway.runtime.replica.ReplicaEnvironment;
import dev.slipway.runtime.replica.ReplicaProbes;
import dev.slipway.runtime.replica.ReplicaTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The embedded default runtime: every replica is a child process listening on 127.0.0.1 at a port this runtime
 * allocates and passes as {@code PORT} (and {@code HOST=127.0.0.1}). Its environment is the allowed part of the
 * controller's ({@link ReplicaEnvironment}), {@code run.env} and Slipway's variables — nothing else.
 *
 * <p>Files under the state directory: {@code logs/<service>-<revision>-<ordinal>.log} receives the replica's stdout
 * and stderr (appended, across restarts), and {@code run/<replica id>.properties} describes each running replica so
 * that a later runtime on the same directory (after a controller crash) adopts it instead of losing it.
 *
 * <p>A small shared scheduler probes readiness and liveness over HTTP/1.1. Readiness moves a replica between
 * STARTING, READY and NOT_READY; liveness failures of a replica that was ready restart its process on the same port,
 * within the {@link RestartPolicy}'s budget and after the replica left routing and drained.
 * Safe to call from several threads.
 */
public final class LocalRuntime implements Runtime {
    private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);

    private static final String HOST = "127.0.0.1";
    /** How long a process being restarted for failing liveness gets to exit on SIGTERM. */
    private static final Duration RESTART_GRACE = Duration.ofSeconds(5);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final Path workingDirectory;
    private final Map<String, String> controllerEnvironment;
    private final Path logDirectory;
    private final Path runDirectory;
    private final ReplicaTable<LocalReplica> replicas = new ReplicaTable<>();
    private final PortAllocator ports = new PortAllocator();
    private final LivenessRestarts<LocalReplica> restarts = new LivenessRestarts<>("slipway-local", this::restart);
    private final ReplicaProbes<LocalReplica> probes = new ReplicaProbes<>("slipway-local", restarts);
    /** Runs the blocking parts: ending a process for a restart, stopping replicas in parallel on close. */
    private final ExecutorService terminations;
    /** Reports crashed replicas and starts them again once their {@link CrashBackoff} has passed. */
    private final CrashRestarts<LocalReplica> crashes = new CrashRestarts<>("slipway-local", restarts);
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
        this(stateDirectory, workingDirectory, System.getenv());
    }

    /** @param controllerEnvironment what replica processes inherit the allowed part of ({@link ReplicaEnvironment}) */
    LocalRuntime(Path stateDirectory, Path workingDirectory, Map<String, String> controllerEnvironment) {
        this.controllerEnvironment = Map.copyOf(controllerEnvironment);
        this.workingDirectory = workingDirectory.toAbsolutePath();
        this.logDirectory = stateDirectory.resolve("logs");
        this.runDirectory = stateDirectory.resolve("run");
        OwnerOnly.directory(stateDirectory);
        OwnerOnly.directory(logDirectory);
        OwnerOnly.directory(runDirectory);
        this.terminations = Executors.newCachedThreadPool(DaemonThreads.named("slipway-local-stop"));
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
        NewReplica placed = NewReplica.of(request, HOST, ports.allocate());
        Replica replica = placed.replica();
        LaunchPlan plan = new LaunchPlan(request.run().command(), placed.environment(), workingDirectory,
                placed.health());
        Path logFile = logDirectory.resolve(request.service() + "-" + request.revision() + "-" + request.ordinal() + ".log");

        LocalReplica localReplica = new LocalReplica(replica, request.ordinal(), plan, logFile);
        replicas.add(localReplica);
        launch(localReplica, 0);
        probes.start(localReplica);
        return replica;
    }

    @Override
    public ReplicaState awaitReady(Replica replica, Duration deadline) {
        return replicas.awaitReady(replica, deadline);
    }

    /** The last probed state; a replica this runtime never started nor adopted is reported FAILED (it is not running). */
    @Override
    public ReplicaState state(Replica replica) {
        return replicas.state(replica);
    }

    /** Idempotent: a second call waits for the first one to finish. */
    @Override
    public void stop(Replica replica, Duration grace) {
        replicas.find(replica).ifPresent(localReplica -> localReplica.lifecycle().stop(grace, () -> {
            localReplica.lifecycle().running().map(LocalReplica.Run::process).filter(ProcessHandle::isAlive)
                    .ifPresent(handle -> terminate(localReplica, handle, grace));
            deleteStateFile(localReplica);
            ports.release(replica.port());
        }));
    }

    private void terminate(LocalReplica localReplica, ProcessHandle handle, Duration grace) {
        long started = System.nanoTime();
        boolean graceful = ProcessTree.terminate(handle, grace);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (graceful) {
            log.info("stopped {} (pid {}) in {} ms", localReplica.replica().id(), handle.pid(), millis);
        } else {
            log.warn("killed {} (pid {}): still running {} ms after SIGTERM", localReplica.replica().id(), handle.pid(),
                    grace.toMillis());
            localReplica.note("killed: still running " + grace.toMillis() + " ms after SIGTERM");
        }
    }

    @Override
    public void useRestartPolicy(RestartPolicy policy) {
        restarts.use(policy);
    }

    /** Replicas of a service that have not been stopped, FAILED ones included (they still need a stop). */
    @Override
    public List<Replica> list(String service) {
        return replicas.list(service);
    }

    /** How many times liveness failures restarted the replica's process (carried over by adoption). */
    public int restarts(Replica replica) {
        return replicas.restarts(replica);
    }

    /** Why a FAILED replica failed, in words for the user (e.g. "exited with code 3"). */
    @Override
    public Optional<String> failureReason(Replica replica) {
        return replicas.failureReason(replica);
    }

    /** The last crash of a replica that was started again for it, with the end of its log; empty if none. */
    @Override
    public Optional<String> lastCrash(Replica replica) {
        return replicas.lastCrash(replica);
    }

    /** The file receiving the replica's stdout and stderr. */
    public Path logFile(Replica replica) {
        LocalReplica localReplica = replicas.find(replica)
                .orElseThrow(() -> new IllegalArgumentException("unknown replica " + replica.id()));
        return localReplica.logFile();
    }

    /** The operating-system pid of the replica's current process, if one is running. */
    public OptionalLong processId(Replica replica) {
        return replicas.find(replica).flatMap(localReplica -> localReplica.lifecycle().running())
                .map(LocalReplica.Run::process).filter(ProcessHandle::isAlive)
                .map(handle -> OptionalLong.of(handle.pid())).orElse(OptionalLong.empty());
    }

    /** Stops every replica this runtime started or adopted (in parallel, a few seconds' grace each), then probing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        restarts.close();
        crashes.close();
        replicas.stopAll(replica -> stop(replica, CLOSE_GRACE), terminations);
        probes.close();
        terminations.shutdownNow();
    }

    /**
     * Forgets every replica without stopping it: probing ends, processes and state files stay, so that another
     * runtime on the same state directory adopts them. This is what a controller crash leaves behind.
     */
    public void detach() {
        closed = true;
        restarts.close();
        crashes.close();
        probes.close();
        terminations.shutdownNow();
        replicas.clear();
    }

    // ---------------------------------------------------------------------------------------------------------------

    private void launch(LocalReplica localReplica, long generation) {
        // A new replica needs its state file: without it a restarted controller could not adopt the process, which
        // would keep running untracked (a full disk, say). A restart of a replica that has one keeps serving anyway.
        boolean stateFileRequired = generation == 0;
        Optional<LocalReplica.Run> launched = localReplica.lifecycle().launch(generation,
                localReplica.plan().command().toString(), () -> {
                    LocalReplica.Run run = LocalReplica.Run.of(startProcess(localReplica), Instant.now());
                    if (stateFileRequired) {
                        writeStateFileOrStop(localReplica, run);
                    }
                    return run;
                }, Clock.systemUTC());
        if (launched.isEmpty()) {
            if (localReplica.lifecycle().state() == ReplicaState.FAILED) {
                String reason = localReplica.lifecycle().failureReason().orElse("");
                log.error("{}: {}", localReplica.replica().id(), reason);
                localReplica.note(reason);
                ports.release(localReplica.replica().port());
            }
            return;
        }
        if (!stateFileRequired) {
            writeStateFile(localReplica, launched.get());
        }
        watchExit(localReplica, generation, launched.get());
    }

    private Process startProcess(LocalReplica localReplica) throws IOException {
        LaunchPlan plan = localReplica.plan();
        localReplica.note("starting " + localReplica.replica().id() + " on " + localReplica.replica().address()
                + ": " + String.join(" ", plan.command()));
        ProcessBuilder builder = new ProcessBuilder(plan.command())
                .directory(plan.workingDirectory().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(OwnerOnly.file(localReplica.logFile()).toFile()));
        Map<String, String> environment = builder.environment();
        environment.clear();
        environment.putAll(ReplicaEnvironment.inherited(controllerEnvironment));
        environment.putAll(plan.environment());
        Process process = builder.start();
        // Nothing is ever written to stdin; an early EOF is what the process would see after adoption anyway.
        process.getOutputStream().close();
        log.info("started {} (pid {}) on {}", localReplica.replica().id(), process.pid(),
                localReplica.replica().address());
        return process;
    }

    private void watchExit(LocalReplica localReplica, long generation, LocalReplica.Run run) {
        run.exit().thenAccept(how -> {
            if (closed) {
                return;
            }
            // A crash after it was ready: out of routing, reported, started again on the same port after its backoff.
            if (crashes.restartIfCrashed(localReplica, generation, how, localReplica.logFile(), this::launch)
                    .isPresent()) {
                deleteStateFile(localReplica);
            } else if (localReplica.lifecycle().exited(generation, how)) {
                log.warn("{} {}", localReplica.replica().id(), how);
                localReplica.note(how);
                deleteStateFile(localReplica);
            }
        });
    }

    /** Runs on a restart thread: the replica leaves routing and drains, then its process ends and starts again. */
    private boolean restart(LocalReplica localReplica, long failedGeneration, ProbeSpec liveness) {
        Optional<LocalReplica.Run> previous = localReplica.lifecycle().beginRestart(failedGeneration, Instant.now());
        if (previous.isEmpty()) {
            return false;
        }
        long generation = localReplica.lifecycle().generation();
        restarts.announceAndDrain(localReplica, liveness);
        ProcessTree.terminate(previous.get().process(), RESTART_GRACE);
        if (!closed) {
            launch(localReplica, generation);
        }
        return true;
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
        LocalReplica.Run run = LocalReplica.Run.adopted(process.get(), described.processStart());
        localReplica.lifecycle().adopt(run, described.restarts(), Instant.now());
        ports.reserve(replica.port());
        replicas.add(localReplica);
        watchExit(localReplica, localReplica.lifecycle().generation(), run);
        probes.start(localReplica);
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

    private void writeStateFileOrStop(LocalReplica localReplica, LocalReplica.Run run) throws IOException {
        Path file = ReplicaStateFile.pathFor(runDirectory, localReplica.replica().id());
        try {
            localReplica.stateFile(run).write(file);
        } catch (IOException e) {
            ProcessTree.terminate(run.process(), RESTART_GRACE);
            throw new IOException("cannot write its state file " + file + " (" + e.getMessage()
                    + "), without which a restarted controller could not adopt it; the process was stopped", e);
        }
    }

    private void writeStateFile(LocalReplica localReplica, LocalReplica.Run run) {
        try {
            localReplica.stateFile(run).write(ReplicaStateFile.pathFor(runDirectory, localReplica.replica().id()));
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

}
