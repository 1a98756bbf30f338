package dev.slipway.runtime.docker;

import dev.slipway.model.support.OwnerOnly;
import dev.slipway.runtime.probe.PortAllocator;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.Runtime;
import dev.slipway.runtime.RestartPolicy;
import dev.slipway.model.support.DaemonThreads;
import dev.slipway.runtime.replica.CrashRestarts;
import dev.slipway.runtime.replica.LivenessRestarts;
import dev.slipway.runtime.replica.NewReplica;
import dev.slipway.runtime.replica.ReplicaLabels;
import dev.slipway.runtime.replica.ReplicaLifecycle;
import dev.slipway.runtime.replica.ReplicaLog;
import dev.slipway.runtime.replica.ReplicaProbes;
import dev.slipway.runtime.replica.ReplicaTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs every replica as a container of the local Docker engine, through the Engine API (docker-java over the unix
 * socket). It behaves like the local runtime in everything the controller can see: the container uses the host's
 * network and listens on 127.0.0.1 at a port this runtime allocates, gets {@code run.env} + the request's environment
 * + {@code PORT} + {@code HOST=127.0.0.1}, and is probed over HTTP on 127.0.0.1 by the same rules (readiness moves it
 * between STARTING, READY and NOT_READY, a start period is honoured, liveness failures restart it).
 *
 * <p><b>Crashes.</b> A container that exits after it was ready is started again by this runtime, not by a Docker
 * restart policy (containers are created without one), with the local runtime's {@link CrashRestarts}: the exit notice
 * takes the replica out of READY at once, so the router stops sending to it while it is down (Docker's own restart
 * would bring it back behind the controller's back, and Slipway would learn of the crash only from failing probes, if
 * at all); the crash is reported with its exit code and the end of its log ({@link #lastCrash}, the controller's
 * timeline); the same container (same port, environment, labels) starts again after 1, 2, 4 ... 30 s, so that a
 * crash loop neither spins nor is given up on. A container that exits before it was ever ready is FAILED instead, and
 * kept for inspection until it is stopped. A container that crashes while no controller runs stays exited: the next
 * runtime removes it on adoption (below), as the local runtime forgets a dead process.
 *
 * <p><b>Which image.</b> A release names its image in the first item of {@code run.command}:
 * <pre>
 * run:
 *   command: ["image:orders:1.4.0", "java", "-jar", "/app/orders.jar"]   # the rest replaces the image's CMD
 *   command: ["image:registry.example/orders@sha256:0f3c..."]            # nothing else: the image's own CMD
 * </pre>
 * This was chosen over an {@code SLIPWAY_IMAGE} entry in {@code run.env} because the image is <em>what runs</em>,
 * not configuration of it: in the environment it would be handed to the container (or need quiet stripping), a
 * request's environment could override it, and a release meant for containers would still carry a host command that
 * the local runtime would try to run. With the prefix, {@code ["image:orders:1.4.0", args...]} reads like
 * {@code docker run orders:1.4.0 args...}, and each runtime refuses the other's command loudly instead of guessing.
 * Images are never pulled: they must be in the engine already ({@code docker load}, or a build).
 *
 * <p><b>Labels and adoption.</b> Every container carries {@code dev.slipway.service}, {@code .revision},
 * {@code .replica}, {@code .ordinal}, {@code .port}, its probes and {@code dev.slipway.state-directory} (see
 * {@link ReplicaLabels}). On construction the runtime lists the containers labelled with its own state directory:
 * running ones are adopted (probed again, STARTING until ready), the others (exited, or created but never started
 * by a controller that crashed) have their remaining output copied to their log file and are removed.
 *
 * <p><b>Files.</b> {@code <stateDirectory>/logs/<service>-<revision>-<ordinal>.log} receives the container's stdout
 * and stderr as the engine streams them, appended across liveness restarts and adoptions.
 *
 * <p>Stopping is {@code docker stop} with the grace as its timeout (SIGTERM, then SIGKILL; whole seconds, rounded
 * up) followed by removal. A FAILED container is kept for inspection until it is stopped. Safe to call from several
 * threads. The engine must be on this machine: probes and the router reach containers on 127.0.0.1.
 */
public final class DockerRuntime implements Runtime {
    private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);

    /** Where Debian's (and most) Docker engines listen. */
    public static final URI DEFAULT_ENGINE = URI.create("unix:///var/run/docker.sock");

    private static final String HOST = "127.0.0.1";
    /** How long a container being restarted for failing liveness gets to exit on SIGTERM. */
    private static final Duration RESTART_GRACE = Duration.ofSeconds(5);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
    /** How long a stopped container's last output may take to reach its log file before the container is removed. */
    private static final Duration LOG_DRAIN = Duration.ofSeconds(2);
    /** Docker's exit status for a process ended by SIGKILL (128 + 9). */
    private static final long KILLED = 137;

    private final DockerEngine engine;
    private final String stateDirectory;
    private final Path logDirectory;
    private final ReplicaTable<DockerReplica> replicas = new ReplicaTable<>();
    private final PortAllocator ports = new PortAllocator();
    private final LivenessRestarts<DockerReplica> restarts = new LivenessRestarts<>("slipway-docker", this::restart);
    private final ReplicaProbes<DockerReplica> probes = new ReplicaProbes<>("slipway-docker", restarts);
    private final CrashRestarts<DockerReplica> crashes = new CrashRestarts<>("slipway-docker", restarts);
    /** Runs the blocking parts: stopping a container for a restart, stopping replicas in parallel on close. */
    private final ExecutorService terminations;
    private volatile boolean closed;

    /** A runtime on the engine at {@link #DEFAULT_ENGINE}. */
    public DockerRuntime(Path stateDirectory) {
        this(stateDirectory, DEFAULT_ENGINE);
    }

    /**
     * @param stateDirectory usually {@code .slipway/}; created if missing. It identifies this runtime's containers:
     *                       the running ones labelled with it are adopted, the exited ones removed
     * @param engineHost     e.g. {@code unix:///var/run/docker.sock}; the engine must run on this machine
     * @throws IllegalStateException when no engine answers there (the message says where and why)
     */
    public DockerRuntime(Path stateDirectory, URI engineHost) {
        try {
            OwnerOnly.directory(stateDirectory);
            OwnerOnly.directory(stateDirectory.resolve("logs"));
            this.stateDirectory = stateDirectory.toRealPath().toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + stateDirectory + ": " + e.getMessage(), e);
        }
        this.logDirectory = Path.of(this.stateDirectory, "logs");
        try {
            this.engine = DockerEngine.connect(engineHost);
        } catch (DockerEngineException e) {
            restarts.close();
            probes.close();
            crashes.close();
            throw new IllegalStateException(e.getMessage(), e);
        }
        this.terminations = Executors.newCachedThreadPool(DaemonThreads.named("slipway-docker-stop"));
        log.info("docker runtime on {} (API {}), state directory {}", engineHost, engine.apiVersion(), this.stateDirectory);
        adoptOrRemoveContainers();
    }

    @Override
    public Replica start(ReplicaRequest request) {
        if (closed) {
            throw new IllegalStateException("the docker runtime is closed");
        }
        ImageCommand imageCommand = ImageCommand.of(request.service(), request.revision(), request.run());
        NewReplica placed = NewReplica.of(request, HOST, ports.allocate());
        Replica replica = placed.replica();
        String id = replica.id();
        ReplicaLabels labels = new ReplicaLabels(replica, request.ordinal(), placed.health(), stateDirectory);
        DockerEngine.ContainerDefinition definition = new DockerEngine.ContainerDefinition(containerName(id),
                imageCommand.image(), imageCommand.arguments(), placed.environment(), labels.toLabels());

        DockerReplica dockerReplica = new DockerReplica(labels, new ReplicaLog(logFileOf(labels)));
        replicas.add(dockerReplica);
        dockerReplica.log().note("starting " + id + " on " + replica.address() + ": image " + imageCommand.image()
                + (imageCommand.arguments().isEmpty() ? "" : ", command " + String.join(" ", imageCommand.arguments())));
        launch(dockerReplica, 0, Instant.EPOCH, () -> createAndStart(definition));
        probes.start(dockerReplica);
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

    /** {@code docker stop} with {@code grace} as the timeout, then removal. Idempotent: a second call waits for the first. */
    @Override
    public void stop(Replica replica, Duration grace) {
        replicas.find(replica).ifPresent(dockerReplica -> dockerReplica.lifecycle().stop(grace, () -> {
            dockerReplica.containerId().ifPresent(containerId -> stopAndRemove(dockerReplica, containerId, grace));
            dockerReplica.closeWatchers();
            dockerReplica.log().close();
            ports.release(replica.port());
        }));
    }

    /** Replicas of a service that have not been stopped, FAILED ones included (they still need a stop). */
    @Override
    public List<Replica> list(String service) {
        return replicas.list(service);
    }

    /** How many times liveness failures restarted the replica's container (counted from start or adoption). */
    public int restarts(Replica replica) {
        return replicas.restarts(replica);
    }

    /** Why a FAILED replica failed, in words for the user (e.g. "exited with code 3"). */
    @Override
    public Optional<String> failureReason(Replica replica) {
        return replicas.failureReason(replica);
    }

    /** The last crash of a replica whose container was started again for it, with the end of its log; empty if none. */
    @Override
    public Optional<String> lastCrash(Replica replica) {
        return replicas.lastCrash(replica);
    }

    /** The file receiving the container's stdout and stderr. */
    public Path logFile(Replica replica) {
        DockerReplica dockerReplica = replicas.find(replica)
                .orElseThrow(() -> new IllegalArgumentException("unknown replica " + replica.id()));
        return dockerReplica.log().file();
    }

    /** The engine's id of the replica's container, once it was created. */
    public Optional<String> containerId(Replica replica) {
        return replicas.find(replica).flatMap(DockerReplica::containerId);
    }

    @Override
    public void useRestartPolicy(RestartPolicy policy) {
        restarts.use(policy);
    }

    /** The Engine API version this runtime negotiated, e.g. "1.41". */
    public String apiVersion() {
        return engine.apiVersion();
    }

    /** Stops and removes every container this runtime started or adopted (in parallel, a few seconds' grace each). */
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
        engine.close();
    }

    /**
     * Forgets every replica without stopping it: probing and log streaming end, containers keep running, so that
     * another runtime on the same state directory adopts them. This is what a controller crash leaves behind.
     */
    public void detach() {
        closed = true;
        restarts.close();
        crashes.close();
        probes.close();
        terminations.shutdownNow();
        for (DockerReplica dockerReplica : replicas.all()) {
            dockerReplica.closeWatchers();
            dockerReplica.log().close();
        }
        replicas.clear();
        engine.close();
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** @param logsSince where the log stream of this run begins (the engine keeps the output of earlier runs) */
    private void launch(DockerReplica dockerReplica, long generation, Instant logsSince,
                        ReplicaLifecycle.Launcher<String> launcher) {
        // The engine's message names the container and the image.
        Optional<String> started = dockerReplica.lifecycle().launch(generation, "", launcher, Clock.systemUTC());
        if (started.isEmpty()) {
            if (dockerReplica.lifecycle().state() == ReplicaState.FAILED) {
                String reason = dockerReplica.lifecycle().failureReason().orElse("");
                log.error("{}: {}", dockerReplica.replica().id(), reason);
                dockerReplica.log().note(reason);
                ports.release(dockerReplica.replica().port());
            }
            return;
        }
        log.info("started {} (container {}) on {}", dockerReplica.replica().id(), shortId(started.get()),
                dockerReplica.replica().address());
        followLogs(dockerReplica, generation, started.get(), logsSince);
        watchExit(dockerReplica, generation, started.get());
    }

    /** A container that was created but cannot start is removed at once: nothing would ever stop it. */
    private String createAndStart(DockerEngine.ContainerDefinition definition) {
        String containerId;
        try {
            containerId = engine.create(definition);
        } catch (DockerEngineException e) {
            if (!e.notFound()) {
                throw e;
            }
            throw new DockerEngineException(e.getMessage() + " (images are never pulled: load or build "
                    + definition.image() + " into the engine first)", true, e);
        }
        try {
            engine.start(containerId);
        } catch (DockerEngineException e) {
            try {
                engine.remove(containerId);
            } catch (DockerEngineException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw e;
        }
        return containerId;
    }

    private void stopAndRemove(DockerReplica dockerReplica, String containerId, Duration grace) {
        String id = dockerReplica.replica().id();
        try {
            long started = System.nanoTime();
            engine.stop(containerId, grace);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            boolean killed = millis >= grace.toMillis() && engine.exitCode(containerId).orElse(0L) == KILLED;
            // The container's last words (e.g. its shutdown message) should reach the log before it disappears.
            dockerReplica.logStream().ifPresent(stream -> waitFor(stream.ended(), LOG_DRAIN));
            if (killed) {
                log.warn("killed {} (container {}): still running {} ms after SIGTERM", id, shortId(containerId),
                        grace.toMillis());
                dockerReplica.log().note("killed: still running " + grace.toMillis() + " ms after SIGTERM");
            } else {
                log.info("stopped {} (container {}) in {} ms", id, shortId(containerId), millis);
            }
        } catch (DockerEngineException e) {
            log.warn("{}: {}; removing the container anyway", id, e.getMessage());
        }
        try {
            engine.remove(containerId);
        } catch (DockerEngineException e) {
            log.error("{}: {}", id, e.getMessage());
            dockerReplica.log().note(e.getMessage());
        }
    }

    private void followLogs(DockerReplica dockerReplica, long generation, String containerId, Instant since) {
        try {
            dockerReplica.watch(generation, engine.followLogs(containerId, since, dockerReplica.log()::write));
        } catch (RuntimeException e) {
            log.warn("{}: cannot follow the container's logs: {}", dockerReplica.replica().id(), e.getMessage());
        }
    }

    private void watchExit(DockerReplica dockerReplica, long generation, String containerId) {
        try {
            dockerReplica.watch(generation, engine.onExit(containerId, code -> exited(dockerReplica, generation, code)));
        } catch (RuntimeException e) {
            log.warn("{}: cannot watch the container for its exit: {}", dockerReplica.replica().id(), e.getMessage());
        }
    }

    /**
     * A container that exits after it was ready crashed: out of routing, reported, and the same container started
     * again after its backoff. Any other unexpected exit (before it was ever ready) fails the replica.
     */
    private void exited(DockerReplica dockerReplica, long generation, long exitCode) {
        if (closed || !dockerReplica.lifecycle().isProbed() || dockerReplica.lifecycle().generation() != generation) {
            return; // stopped, or a run that a restart already replaced
        }
        String how = "exited with code " + exitCode;
        // Let the stream deliver the last output first: the note comes after it as it did in time, and a crash report
        // quotes it.
        dockerReplica.logStream().ifPresent(stream -> waitFor(stream.ended(), LOG_DRAIN));
        if (crashes.restartIfCrashed(dockerReplica, generation, how, dockerReplica.log().file(), this::startAgain)
                .isPresent()) {
            return;
        }
        if (dockerReplica.lifecycle().exited(generation, how)) {
            log.warn("{} {}", dockerReplica.replica().id(), how);
            dockerReplica.log().note(how);
        }
    }

    /** Starts the replica's container again as the run of {@code generation}: same id, port and environment. */
    private void startAgain(DockerReplica dockerReplica, long generation) {
        dockerReplica.containerId().filter(container -> !closed).ifPresent(container ->
                launch(dockerReplica, generation, Instant.now(), () -> {
                    engine.start(container);
                    return container;
                }));
    }

    /**
     * The same container is stopped and started again: same id, same port, same environment. A container that
     * stopped answering because it exited is not restarted for liveness but handled as the exit it is (a crash, or
     * FAILED): the probes may notice before the exit notice arrives, and an exit must not pass for a liveness failure.
     */
    private boolean restart(DockerReplica dockerReplica, long failedGeneration, ProbeSpec liveness) {
        Optional<String> container = dockerReplica.containerId();
        if (container.isEmpty() || closed) {
            return false;
        }
        Optional<Long> exitCode = exitCodeIfKnown(container.get());
        if (exitCode.isPresent()) {
            exited(dockerReplica, failedGeneration, exitCode.get());
            return false;
        }
        if (dockerReplica.lifecycle().beginRestart(failedGeneration, Instant.now()).isEmpty()) {
            return false;
        }
        long generation = dockerReplica.lifecycle().generation();
        restarts.announceAndDrain(dockerReplica, liveness);
        try {
            engine.stop(container.get(), RESTART_GRACE);
        } catch (DockerEngineException e) {
            log.warn("{}: {}", dockerReplica.replica().id(), e.getMessage());
        }
        startAgain(dockerReplica, generation);
        return true;
    }

    private Optional<Long> exitCodeIfKnown(String containerId) {
        try {
            return engine.exitCode(containerId);
        } catch (DockerEngineException e) {
            return Optional.empty();
        }
    }

    // --- adoption ---------------------------------------------------------------------------------------------------

    private void adoptOrRemoveContainers() {
        List<DockerEngine.ListedContainer> containers;
        try {
            containers = engine.listLabelled(ReplicaLabels.STATE_DIRECTORY, stateDirectory);
        } catch (DockerEngineException e) {
            close();
            throw new IllegalStateException("cannot look for containers to adopt: " + e.getMessage(), e);
        }
        for (DockerEngine.ListedContainer container : containers) {
            ReplicaLabels labels;
            try {
                labels = ReplicaLabels.parse(container.labels(), HOST);
            } catch (IllegalArgumentException e) {
                log.warn("leaving container {} alone: {}", container.name(), e.getMessage());
                continue;
            }
            if (container.running()) {
                adopt(container, labels);
            } else {
                removeLeftover(container, labels);
            }
        }
    }

    private void adopt(DockerEngine.ListedContainer container, ReplicaLabels labels) {
        Replica replica = labels.replica();
        ReplicaLog replicaLog = new ReplicaLog(logFileOf(labels));
        Instant logsSince = lastWritten(replicaLog.file());
        DockerReplica dockerReplica = new DockerReplica(labels, replicaLog);
        // Restarts are counted from the adoption: the labels cannot follow a count that changes.
        dockerReplica.lifecycle().adopt(container.id(), 0, Instant.now());
        ports.reserve(replica.port());
        replicas.add(dockerReplica);
        replicaLog.note("adopted " + replica.id() + " (container " + container.name() + ") on " + replica.address());
        followLogs(dockerReplica, dockerReplica.lifecycle().generation(), container.id(), logsSince);
        watchExit(dockerReplica, dockerReplica.lifecycle().generation(), container.id());
        probes.start(dockerReplica);
        log.info("adopted {} (container {}) on {}", replica.id(), container.name(), replica.address());
    }

    /** An exited container of a crashed controller: keep what it said after the crash, then let it go. */
    private void removeLeftover(DockerEngine.ListedContainer container, ReplicaLabels labels) {
        ReplicaLog replicaLog = new ReplicaLog(logFileOf(labels));
        try {
            EngineConnection.LogStream rest = engine.followLogs(container.id(), lastWritten(replicaLog.file()), replicaLog::write);
            waitFor(rest.ended(), LOG_DRAIN);
            rest.close();
            String how = engine.exitCode(container.id()).map(code -> "exited with code " + code)
                    .orElse(container.status());
            replicaLog.note("removing container " + container.name() + " left by an earlier runtime: " + how);
            engine.remove(container.id());
            log.info("removed container {} of {} left by an earlier runtime: {}", container.name(),
                    labels.replica().id(), how);
        } catch (DockerEngineException e) {
            log.warn("cannot remove container {}: {}", container.name(), e.getMessage());
        } finally {
            replicaLog.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private Path logFileOf(ReplicaLabels labels) {
        Replica replica = labels.replica();
        return logDirectory.resolve(replica.service() + "-" + replica.revision() + "-" + labels.ordinal() + ".log");
    }

    /** Whole seconds, as the engine's {@code since} takes them; the epoch (everything) for a new file. */
    private static Instant lastWritten(Path file) {
        try {
            return Files.exists(file) ? Files.getLastModifiedTime(file).toInstant() : Instant.EPOCH;
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    /** Docker names allow {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}; the replica id is unique thanks to its random suffix. */
    private static String containerName(String replicaId) {
        return "slipway-" + replicaId.replaceAll("[^a-zA-Z0-9_.-]", "-");
    }

    private static String shortId(String containerId) {
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }

    private static void waitFor(CompletableFuture<?> future, Duration timeout) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Best effort: the log may miss its last lines.
        }
    }

}
