package dev.slipway.runtime.swarm;

import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.RestartPolicy;
import dev.slipway.runtime.Runtime;
import dev.slipway.runtime.docker.DockerEngineException;
import dev.slipway.runtime.docker.EngineConnection;
import dev.slipway.runtime.docker.ImageCommand;
import dev.slipway.model.support.DaemonThreads;
import dev.slipway.model.support.OwnerOnly;
import dev.slipway.runtime.replica.CrashRestarts;
import dev.slipway.runtime.replica.LivenessRestarts;
import dev.slipway.runtime.replica.NewReplica;
import dev.slipway.runtime.replica.ReplicaLabels;
import dev.slipway.runtime.replica.ReplicaLog;
import dev.slipway.runtime.replica.ReplicaProbes;
import dev.slipway.runtime.replica.ReplicaTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs every replica as a Docker Swarm service of one task, through a manager's Engine API (docker-java). Swarm picks
 * the node, restarts nothing on its own that Slipway would not, and moves the task when its node is lost; Slipway's
 * strategies, probes and router do the rest, as on the other runtimes.
 *
 * <p><b>Why one service per replica, not per revision.</b> Slipway drains a chosen replica in its router before it
 * stops it, so that not one request fails. Swarm cannot stop a chosen task of a service: scaling a service down
 * removes whichever tasks its orchestrator prefers (those on the busiest nodes), which may be ones still serving.
 * A service per replica makes every stop exact, and Swarm still spreads the replicas (its scheduler balances the
 * tasks of all services over the nodes) and reschedules each one. A revision is the set of services labelled
 * {@code dev.slipway.revision=<version>}; {@code docker service ls --filter label=dev.slipway.service=orders} lists a
 * service's replicas.
 *
 * <p><b>Networking.</b> Tasks use the host network of their node and listen on a port of their own from
 * {@link SwarmSettings#firstPort()}..{@link SwarmSettings#lastPort()}, published in host mode so that the scheduler
 * never places two on one port of a node. A replica answers at its node's address (the node label
 * {@code dev.slipway.address}, else the address Swarm knows the node by); the router and the probes go there, and
 * follow the task when Swarm moves it ({@link #current}). Each replica gets {@code HOST} = {@link SwarmSettings#bind()}
 * and {@code PORT}, besides {@code run.env} and the request's environment.
 *
 * <p><b>What Swarm reports, and what it means here</b> is decided by {@link TaskWatch}: a task running (with a
 * HEALTHCHECK in the image: once healthy) is probed at its node; a task lost with its node, or replaced by Swarm, makes
 * the replica STARTING until the replacement runs and passes readiness again; a container that exits after the replica
 * was ready is a crash: STARTING (out of routing) until the next task runs and is ready, reported as on the other
 * runtimes ({@link #lastCrash}, the controller's timeline), restarted after the same backoff ({@link #holdBack}) and
 * followed to wherever the new task runs; a container that exits before makes it FAILED (its service is scaled to 0
 * and kept for inspection until stopped); a task no node can place, pull or keep healthy before it ever ran makes it
 * FAILED at once, with Swarm's reason, and its service is removed: nothing half-made stays.
 * A liveness failure is {@code docker service update --force}.
 *
 * <p><b>Labels and adoption.</b> Services carry the same labels as the docker runtime's containers
 * ({@link ReplicaLabels}); {@code dev.slipway.state-directory} is {@code <hostname>:<state directory>}, since a swarm
 * is shared by machines. A new runtime adopts the running services of its own, probes them again, and removes the ones
 * a crashed controller had left scaled to 0. Logs go to {@code <stateDirectory>/logs/<service>-<revision>-<ordinal>.log}
 * as Swarm streams them ({@code docker service logs}).
 *
 * <p>Images are pulled by each node from a registry it can reach: name the image by such a registry (ideally by digest)
 * in {@code run.command: ["image:registry.example:5000/orders@sha256:..."]}. Registry credentials in
 * {@code ~/.docker/config.json} are sent with the service, as {@code --with-registry-auth} does.
 */
public final class SwarmRuntime implements Runtime {
    private static final Logger log = LoggerFactory.getLogger(SwarmRuntime.class);

    /** How often the manager is asked about tasks and nodes: the delay before the router learns of a moved task. */
    private static final Duration POLL = Duration.ofMillis(500);
    /** How long a stopped replica's last output may take to reach its log file. */
    private static final Duration LOG_DRAIN = Duration.ofSeconds(2);
    /** Beyond its stop grace, how long a removed service's task may take to be reported down. */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(10);
    /** How many times a liveness restart looks for an exit Swarm has not reported yet, {@link #POLL} apart. */
    private static final int EXIT_REPORT_LOOKS = 3;
    /** Swarm service names are DNS labels. */
    private static final int MAX_NAME = 63;

    private final SwarmSettings settings;
    private final SwarmEngine engine;
    private final String owner;
    private final Path logDirectory;
    private final ReplicaTable<SwarmReplica> replicas = new ReplicaTable<>();
    private final LivenessRestarts<SwarmReplica> restarts = new LivenessRestarts<>("slipway-swarm", this::restart);
    private final ReplicaProbes<SwarmReplica> probes = new ReplicaProbes<>("slipway-swarm", restarts);
    private final CrashRestarts<SwarmReplica> crashes = new CrashRestarts<>("slipway-swarm", restarts);
    private final Set<Integer> reservedPorts = new HashSet<>();
    /** Polls the manager. */
    private final ScheduledExecutorService watcher;
    /** Runs what may block on the manager off the probe and poll threads: removals, stops on close. */
    private final ExecutorService work;
    private volatile boolean closed;
    private volatile String lastPollProblem;

    /**
     * @param stateDirectory usually {@code .slipway/}; created if missing. With this machine's name it identifies the
     *                       runtime's services: the running ones are adopted, the ones left scaled to 0 removed
     * @throws IllegalStateException when no swarm manager answers at {@link SwarmSettings#manager()} (the message
     *                               says where and why)
     */
    public SwarmRuntime(Path stateDirectory, SwarmSettings settings) {
        this.settings = settings;
        OwnerOnly.directory(stateDirectory);
        OwnerOnly.directory(stateDirectory.resolve("logs"));
        this.owner = ownerOf(stateDirectory);
        this.logDirectory = stateDirectory.resolve("logs");
        try {
            this.engine = SwarmEngine.connect(settings.manager());
        } catch (DockerEngineException e) {
            restarts.close();
            probes.close();
            crashes.close();
            throw new IllegalStateException(e.getMessage(), e);
        }
        this.watcher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("slipway-swarm-watch"));
        this.work = Executors.newCachedThreadPool(DaemonThreads.named("slipway-swarm-work"));
        log.info("swarm runtime on {} (API {}), replicas bind {}, ports {}-{}{}, services labelled {}={}",
                settings.manager(), engine.apiVersion(), settings.bind(), settings.firstPort(), settings.lastPort(),
                settings.constraints().isEmpty() ? "" : ", constraints " + settings.constraints(),
                ReplicaLabels.STATE_DIRECTORY, owner);
        try {
            adoptOrRemoveServices();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        watcher.scheduleWithFixedDelay(this::poll, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Creates the replica's service and returns at once; it is STARTING until its task runs and passes readiness. */
    @Override
    public Replica start(ReplicaRequest request) {
        if (closed) {
            throw new IllegalStateException("the swarm runtime is closed");
        }
        ImageCommand imageCommand = ImageCommand.of(request.service(), request.revision(), request.run());
        int port = reservePort();
        NewReplica placed = NewReplica.of(request, settings.bind(), port);
        Replica unplaced = new Replica(placed.replica().id(), request.service(), request.revision(),
                SwarmReplica.UNPLACED, port);
        ReplicaLabels labels = new ReplicaLabels(unplaced, request.ordinal(), placed.health(), owner);
        SwarmReplica swarmReplica = new SwarmReplica(labels, new ReplicaLog(logFileOf(labels)), TaskWatch.forNewService(),
                Instant.EPOCH);
        replicas.add(swarmReplica);
        String name = serviceName(unplaced.id());
        swarmReplica.note("starting " + unplaced.id() + " as Swarm service " + name + ": image " + imageCommand.image()
                + (imageCommand.arguments().isEmpty() ? "" : ", command " + String.join(" ", imageCommand.arguments()))
                + ", port " + port + (settings.constraints().isEmpty() ? "" : ", constraints " + settings.constraints()));
        try {
            swarmReplica.created(engine.create(new SwarmEngine.ServiceDefinition(name, imageCommand.image(),
                    imageCommand.arguments(), placed.environment(), labels.toLabels(), port, settings.constraints(),
                    settings.stopGrace())));
            log.info("created service {} for {} (port {})", name, unplaced.id(), port);
        } catch (DockerEngineException e) {
            fail(swarmReplica, "cannot create its Swarm service: " + e.getMessage());
            releasePort(port);
        }
        return unplaced;
    }

    @Override
    public ReplicaState awaitReady(Replica replica, Duration deadline) {
        return replicas.awaitReady(replica, deadline);
    }

    /** The last probed state; a replica this runtime never started nor adopted is reported FAILED. */
    @Override
    public ReplicaState state(Replica replica) {
        return replicas.state(replica);
    }

    /** At the address of the node its task runs on now ({@code unplaced} before the first). */
    @Override
    public Replica current(Replica replica) {
        return replicas.find(replica).map(SwarmReplica::replica).orElse(replica);
    }

    /**
     * Ends the replica's task (Swarm waits 2 s for its network to forget the task, sends SIGTERM, then SIGKILL after
     * the stop grace the service was made with), waits until it is down, and removes its service. The grace passed
     * here is not Swarm's: it was fixed when the service was made. Idempotent: a second call waits for the first.
     */
    @Override
    public void stop(Replica replica, Duration grace) {
        replicas.find(replica).ifPresent(swarmReplica -> swarmReplica.lifecycle().stop(grace, () -> {
            swarmReplica.serviceId().ifPresent(serviceId -> removeAndWait(swarmReplica, serviceId));
            swarmReplica.logStream().ifPresent(stream -> {
                waitFor(stream, LOG_DRAIN);
                stream.close();
            });
            swarmReplica.log().close();
            releasePort(replica.port());
        }));
    }

    /** Replicas of a service that have not been stopped, FAILED ones included (they still need a stop). */
    @Override
    public List<Replica> list(String service) {
        return replicas.list(service);
    }

    @Override
    public Optional<String> failureReason(Replica replica) {
        return replicas.failureReason(replica);
    }

    /** The last crash of a replica whose task Swarm started again, with the end of its log; empty if none. */
    @Override
    public Optional<String> lastCrash(Replica replica) {
        return replicas.lastCrash(replica);
    }

    @Override
    public void useRestartPolicy(RestartPolicy policy) {
        restarts.use(policy);
    }

    /** How many times the replica's task was replaced: moved off a lost node, or restarted for failing liveness. */
    public int restarts(Replica replica) {
        return replicas.restarts(replica);
    }

    /** The file receiving the replica's output. */
    public Path logFile(Replica replica) {
        return replicas.find(replica).map(swarmReplica -> swarmReplica.log().file())
                .orElseThrow(() -> new IllegalArgumentException("unknown replica " + replica.id()));
    }

    /** The id of the replica's Swarm service, once it was created. */
    public Optional<String> serviceId(Replica replica) {
        return replicas.find(replica).flatMap(SwarmReplica::serviceId);
    }

    /** The Engine API version this runtime negotiated with the manager, e.g. "1.41". */
    public String apiVersion() {
        return engine.apiVersion();
    }

    /** Removes the service of every replica this runtime started or adopted, all at once, and waits for them. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watcher.shutdownNow();
        restarts.close();
        crashes.close();
        replicas.stopAll(replica -> stop(replica, settings.stopGrace()), work);
        probes.close();
        work.shutdownNow();
        engine.close();
    }

    /**
     * Forgets every replica without stopping it: watching, probing and log streaming end, the services keep running,
     * so that another runtime on the same state directory adopts them. This is what a controller crash leaves behind.
     */
    public void detach() {
        closed = true;
        watcher.shutdownNow();
        restarts.close();
        crashes.close();
        probes.close();
        work.shutdownNow();
        for (SwarmReplica swarmReplica : replicas.all()) {
            swarmReplica.logStream().ifPresent(EngineConnection.LogStream::close);
            swarmReplica.log().close();
        }
        replicas.clear();
        engine.close();
    }

    // --- following the tasks ----------------------------------------------------------------------------------------

    private void poll() {
        try {
            List<SwarmReplica> watched = replicas.all().stream()
                    .filter(swarmReplica -> swarmReplica.serviceId().isPresent())
                    .filter(swarmReplica -> swarmReplica.lifecycle().isProbed()).toList();
            if (watched.isEmpty()) {
                return;
            }
            Map<String, List<TaskView>> tasks = engine.tasks(watched.stream().map(r -> r.serviceId().orElseThrow()).toList());
            Map<String, NodeView> nodes = engine.nodes();
            for (SwarmReplica swarmReplica : watched) {
                observe(swarmReplica, tasks, nodes);
            }
            if (lastPollProblem != null) {
                log.info("following the swarm's tasks through {} again", settings.manager());
                lastPollProblem = null;
            }
        } catch (RuntimeException e) {
            if (!String.valueOf(e.getMessage()).equals(lastPollProblem)) {
                lastPollProblem = String.valueOf(e.getMessage());
                log.warn("cannot follow the swarm's tasks through {}: {}", settings.manager(), lastPollProblem);
            }
        }
    }

    private void observe(SwarmReplica swarmReplica, Map<String, List<TaskView>> tasks, Map<String, NodeView> nodes) {
        String serviceId = swarmReplica.serviceId().orElseThrow();
        if (!tasks.containsKey(serviceId)) {
            fail(swarmReplica, "its Swarm service " + serviceName(swarmReplica.replica().id())
                    + " was removed outside Slipway");
            return;
        }
        apply(swarmReplica, swarmReplica.watch().observe(tasks.get(serviceId), nodes));
    }

    private void apply(SwarmReplica swarmReplica, TaskWatch.Observation observation) {
        String id = swarmReplica.replica().id();
        if (observation instanceof TaskWatch.Observation.Waiting waiting) {
            log.info("{}: {}", id, waiting.why());
            swarmReplica.note(waiting.why());
        } else if (observation instanceof TaskWatch.Observation.Running running) {
            runsAt(swarmReplica, running.task(), running.node());
        } else if (observation instanceof TaskWatch.Observation.Lost lost) {
            // Out of routing at once; readiness must pass again at the replacement's address.
            swarmReplica.lifecycle().beginRestart(swarmReplica.lifecycle().generation(), Instant.now());
            log.warn("{} lost: {}", id, lost.why());
            swarmReplica.note("lost: " + lost.why());
        } else if (observation instanceof TaskWatch.Observation.Exited exited) {
            long generation = swarmReplica.lifecycle().generation();
            // After it was ready: a crash, reported; out of routing until the next task runs and is ready.
            Optional<Duration> backoff = crashes.restartIfCrashed(swarmReplica, generation, exited.how(),
                    swarmReplica.log().file(), this::releaseHeldTask);
            if (backoff.isPresent()) {
                if (backoff.get().compareTo(SwarmEngine.RESTART_DELAY) > 0) {
                    holdBack(swarmReplica, backoff.get());
                }
                return;
            }
            // Before: a release that cannot start, which Swarm would start again forever.
            if (swarmReplica.lifecycle().exited(generation, exited.how()) || swarmReplica.lifecycle().giveUp(exited.how())) {
                log.warn("{} {}", id, exited.how());
                swarmReplica.note(exited.how() + "; its service is kept, without a task, until the replica is stopped");
                later(() -> swarmReplica.serviceId().ifPresent(serviceId -> engine.scale(serviceId, 0)));
            }
        } else if (observation instanceof TaskWatch.Observation.CannotRun cannotRun) {
            String why = "cannot run: " + cannotRun.why() + (cannotRun.imageProblem()
                    ? ". Every node pulls the image itself: push it to a registry all nodes reach and name it there,"
                    + " e.g. image:registry.example:5000/orders@sha256:..."
                    : "");
            if (fail(swarmReplica, why)) {
                // Nothing half-made stays behind: Swarm would keep trying forever.
                later(() -> swarmReplica.serviceId().ifPresent(serviceId -> {
                    engine.scale(serviceId, 0);
                    awaitNoTask(serviceId);
                    engine.remove(serviceId);
                }));
            }
        }
    }

    /**
     * Swarm starts a crashed task's successor after its restart delay, which does not grow: for a longer backoff the
     * service is scaled to 0 until {@link #releaseHeldTask} (a controller that crashes meanwhile leaves it at 0, and
     * the next runtime removes it on adoption, as the docker runtime removes an exited container).
     */
    private void holdBack(SwarmReplica swarmReplica, Duration backoff) {
        swarmReplica.hold();
        swarmReplica.note("holding its next task back for " + backoff.toMillis() + " ms (Swarm's own restart delay is "
                + SwarmEngine.RESTART_DELAY.toMillis() + " ms): its service is scaled to 0 meanwhile");
        later(() -> swarmReplica.serviceId().ifPresent(serviceId -> {
            engine.scale(serviceId, 0);
            if (!swarmReplica.held()) {
                releaseHeldTask(swarmReplica, serviceId); // the backoff passed before this scale-down was through
            }
        }));
    }

    /** The backoff of a crash has passed: a held-back service gets its task again (else Swarm started one already). */
    private void releaseHeldTask(SwarmReplica swarmReplica, long generation) {
        if (swarmReplica.release()) {
            swarmReplica.serviceId().ifPresent(serviceId -> releaseHeldTask(swarmReplica, serviceId));
        }
    }

    private void releaseHeldTask(SwarmReplica swarmReplica, String serviceId) {
        if (closed || !swarmReplica.lifecycle().isProbed()) {
            return; // stopped meanwhile: its service is being removed
        }
        try {
            engine.scale(serviceId, 1);
        } catch (DockerEngineException e) {
            fail(swarmReplica, "cannot start its task again after a crash: " + e.getMessage());
        }
    }

    private void runsAt(SwarmReplica swarmReplica, TaskView task, NodeView node) {
        swarmReplica.placedAt(node.address());
        long generation = swarmReplica.lifecycle().generation();
        Optional<String> launched = swarmReplica.lifecycle().launch(generation, "", task::id, Clock.systemUTC());
        if (launched.isEmpty()) {
            return;
        }
        Replica replica = swarmReplica.replica();
        log.info("{} runs on node {} at {} (task {})", replica.id(), node.hostname(), replica.address(), shortId(task.id()));
        swarmReplica.note("runs on node " + node.hostname() + " at " + replica.address() + " (task " + shortId(task.id()) + ")");
        if (swarmReplica.startProbing()) {
            probes.start(swarmReplica);
        }
        followLogs(swarmReplica);
    }

    /**
     * Replaces the task of a replica that failed liveness; the watch follows the replacement. A replica that stopped
     * answering because its container exited is not restarted for liveness but handled as the exit it is (a crash, or
     * FAILED): the probes may notice before the poll does, and an exit must not pass for a liveness failure.
     */
    private boolean restart(SwarmReplica swarmReplica, long failedGeneration, ProbeSpec liveness) {
        // on a restart thread of LivenessRestarts, which may block: it holds the revision's restart budget
        Optional<String> serviceId = swarmReplica.serviceId();
        if (serviceId.isEmpty() || closed) {
            return false;
        }
        // The probes may notice an exit before Swarm reports it: a liveness restart can wait that moment.
        for (int look = 0; look < EXIT_REPORT_LOOKS; look++) {
            observe(swarmReplica, engine.tasks(List.of(serviceId.get())), engine.nodes());
            if (!swarmReplica.lifecycle().isProbed() || swarmReplica.lifecycle().generation() != failedGeneration) {
                return false;
            }
            pause(POLL);
        }
        if (swarmReplica.lifecycle().beginRestart(failedGeneration, Instant.now()).isEmpty()) {
            return false;
        }
        restarts.announceAndDrain(swarmReplica, liveness);
        if (closed) {
            return false;
        }
        swarmReplica.note("out of routing and drained: Swarm replaces its task");
        engine.forceRestart(serviceId.get()); // the watch follows the replacement
        return true;
    }

    private boolean fail(SwarmReplica swarmReplica, String reason) {
        if (!swarmReplica.lifecycle().giveUp(reason)) {
            return false;
        }
        log.error("{} FAILED: {}", swarmReplica.replica().id(), reason);
        swarmReplica.note("FAILED: " + reason);
        return true;
    }

    private void followLogs(SwarmReplica swarmReplica) {
        if (!swarmReplica.needsLogStream() || closed) {
            return;
        }
        try {
            swarmReplica.following(engine.followLogs(swarmReplica.serviceId().orElseThrow(),
                    swarmReplica.logsSince(), swarmReplica.logSink()));
        } catch (RuntimeException e) {
            log.warn("{}: cannot follow the service's logs: {}", swarmReplica.replica().id(), e.getMessage());
        }
    }

    private void later(Runnable action) {
        try {
            work.execute(() -> {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    log.warn("{}", e.getMessage());
                }
            });
        } catch (RejectedExecutionException runtimeClosed) {
            // close() or detach() is under way.
        }
    }

    /**
     * Scales the service to 0 (Swarm sends SIGTERM, then SIGKILL after the service's stop grace), waits until Swarm
     * has ended its task and deleted it, so that its last output reaches the log, then removes the service. An
     * interrupt (a controller shutting down) cuts the wait short but never leaves the service behind.
     *
     * <p>Why wait for the deletion: Docker 20.10's swarm manager panics (a nil task in {@code SetServiceTasksRemove})
     * and takes the whole engine down when a service is removed while its task reaper deletes one of its tasks, which
     * is exactly when a scaled-down task has just ended. Removed once no task waits for the reaper, it has none to
     * race.
     */
    private void removeAndWait(SwarmReplica swarmReplica, String serviceId) {
        String id = swarmReplica.replica().id();
        boolean interrupted = Thread.interrupted();
        long started = System.nanoTime();
        try {
            engine.scale(serviceId, 0);
            long deadline = started + settings.stopGrace().plus(STOP_MARGIN).toNanos();
            while (!interrupted && stillListed(serviceId) && System.nanoTime() < deadline) {
                try {
                    TimeUnit.MILLISECONDS.sleep(200);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (DockerEngineException e) {
            log.warn("{}: {}; removing its service anyway", id, e.getMessage());
        }
        interrupted |= Thread.interrupted();
        try {
            engine.remove(serviceId);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            log.info("stopped {} (service {} removed) in {} ms", id, shortId(serviceId), millis);
            swarmReplica.note("stopped: its task ended and its service was removed in " + millis + " ms");
        } catch (DockerEngineException e) {
            log.error("{}: {}", id, e.getMessage());
            swarmReplica.note(e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Whether a task of the service is still to be ended and deleted: wanted running (the scale-down not applied
     * yet) or "remove" (as scaling to 0 makes it) and not yet deleted by the reaper. Ended tasks Swarm keeps as
     * history (wanted "shutdown") are no concern, and one on a lost node never ends: the reaper leaves both alone.
     */
    private boolean stillListed(String serviceId) {
        List<TaskView> removing = engine.tasks(List.of(serviceId)).getOrDefault(serviceId, List.of()).stream()
                .filter(task -> task.wanted() || task.desiredState().equals("remove")).toList();
        if (removing.isEmpty()) {
            return false;
        }
        Map<String, NodeView> nodes = engine.nodes();
        return removing.stream().anyMatch(task -> task.nodeId().isEmpty()
                || (nodes.containsKey(task.nodeId()) && nodes.get(task.nodeId()).up()));
    }

    // --- adoption ---------------------------------------------------------------------------------------------------

    private void adoptOrRemoveServices() {
        List<SwarmEngine.ListedService> services;
        try {
            services = engine.listLabelled(ReplicaLabels.STATE_DIRECTORY, owner);
        } catch (DockerEngineException e) {
            throw new IllegalStateException("cannot look for services to adopt: " + e.getMessage(), e);
        }
        for (SwarmEngine.ListedService service : services) {
            ReplicaLabels labels;
            try {
                labels = ReplicaLabels.parse(service.labels(), SwarmReplica.UNPLACED);
            } catch (IllegalArgumentException e) {
                log.warn("leaving service {} alone: {}", service.name(), e.getMessage());
                continue;
            }
            // An earlier runtime streamed the output until it last wrote the file: read on from there (before the
            // notes below move the file's time).
            Instant streamedUntil = lastWritten(logFileOf(labels));
            ReplicaLog replicaLog = new ReplicaLog(logFileOf(labels));
            if (service.replicas() == 0) {
                replicaLog.note("removing service " + service.name() + ": an earlier runtime kept it, without a task,"
                        + " for a replica that had failed");
                replicaLog.close();
                awaitNoTask(service.id());
                engine.remove(service.id());
                log.info("removed service {} of {}, left by an earlier runtime", service.name(), labels.replica().id());
                continue;
            }
            SwarmReplica swarmReplica = new SwarmReplica(labels, replicaLog, TaskWatch.forAdoptedService(),
                    streamedUntil);
            swarmReplica.created(service.id());
            synchronized (reservedPorts) {
                reservedPorts.add(labels.replica().port());
            }
            replicas.add(swarmReplica);
            swarmReplica.note("adopted " + labels.replica().id() + " (service " + service.name() + ")");
            log.info("adopted {} (service {})", labels.replica().id(), service.name());
        }
    }

    /** See {@link #removeAndWait}: a service is removed only once no task of it is about to be deleted. */
    private void awaitNoTask(String serviceId) {
        long deadline = System.nanoTime() + STOP_MARGIN.toNanos();
        while (stillListed(serviceId) && System.nanoTime() < deadline) {
            pause(Duration.ofMillis(200));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * A free host port of the range: published by no service of the swarm (whoever made it) and not handed out by
     * this runtime meanwhile. Picked at random, so that two controllers sharing a swarm rarely try the same one.
     */
    private int reservePort() {
        Set<Integer> taken = engine.publishedPorts();
        synchronized (reservedPorts) {
            taken.addAll(reservedPorts);
            int span = settings.lastPort() - settings.firstPort() + 1;
            int offset = ThreadLocalRandom.current().nextInt(span);
            for (int i = 0; i < span; i++) {
                int port = settings.firstPort() + (offset + i) % span;
                if (!taken.contains(port)) {
                    reservedPorts.add(port);
                    return port;
                }
            }
        }
        throw new IllegalStateException("no free port in " + settings.firstPort() + "-" + settings.lastPort()
                + ": every one is published by a service of the swarm (widen swarm.ports)");
    }

    private void releasePort(int port) {
        synchronized (reservedPorts) {
            reservedPorts.remove(port);
        }
    }

    private Path logFileOf(ReplicaLabels labels) {
        Replica replica = labels.replica();
        return logDirectory.resolve(replica.service() + "-" + replica.revision() + "-" + labels.ordinal() + ".log");
    }

    /** {@code slipway-<replica id>}, as a DNS label: the random end of the id is kept when it must be shortened. */
    static String serviceName(String replicaId) {
        String name = "slipway-" + replicaId.replaceAll("[^a-zA-Z0-9-]", "-");
        if (name.length() <= MAX_NAME) {
            return name;
        }
        int randomEnd = name.lastIndexOf('-');
        String end = name.substring(randomEnd);
        return name.substring(0, MAX_NAME - end.length()) + end;
    }

    /**
     * The value of {@code dev.slipway.state-directory} on the services of a runtime on {@code stateDirectory}:
     * {@code <this machine's name>:<the directory's real path>}, since a swarm is shared by machines.
     */
    public static String ownerOf(Path stateDirectory) {
        try {
            return hostname() + ":" + stateDirectory.toRealPath();
        } catch (IOException e) {
            return hostname() + ":" + stateDirectory.toAbsolutePath().normalize();
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
    }

    private static Instant lastWritten(Path file) {
        try {
            return Files.exists(file) ? Files.getLastModifiedTime(file).toInstant() : Instant.EPOCH;
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private static void waitFor(EngineConnection.LogStream stream, Duration timeout) {
        try {
            stream.ended().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Best effort: the log may miss its last lines.
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
