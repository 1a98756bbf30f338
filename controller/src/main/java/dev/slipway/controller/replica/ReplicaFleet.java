package dev.slipway.controller.replica;

import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.state.BoundReplica;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.controller.state.Slot;
import dev.slipway.controller.traffic.RouteSync;
import dev.slipway.model.AnalysisArgs;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.RunSpec;
import dev.slipway.model.support.DaemonThreads;
import dev.slipway.router.Endpoint;
import dev.slipway.router.TrafficRouter;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.Runtime;
import dev.slipway.schema.DatabaseCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The replicas of a service's revisions: starts them bound to a schema version they read, waits for their readiness,
 * brings a revision to a size, replaces replicas start-first, and drains (out of the routes, in-flight requests
 * finished) and stops them. The blocking work runs on the caller's thread; every change to which replicas a revision
 * has goes through the {@link RolloutLoop}. Revisions taken out of the service are stopped on a thread of its own.
 */
public final class ReplicaFleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFleet.class);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final String service;
    private final Runtime runtime;
    private final TrafficRouter router;
    private final RolloutLoop loop;
    private final RouteSync routes;
    private final DatabaseTarget database;
    private final Supplier<SortedSet<Integer>> schemaState;
    private final IntFunction<String> viewSchema;
    private final IntFunction<Optional<DatabaseCredentials>> versionLogins;
    private final ExecutorService retirements;

    public ReplicaFleet(String service, Runtime runtime, TrafficRouter router, RolloutLoop loop, RouteSync routes,
                        DatabaseTarget database, Supplier<SortedSet<Integer>> schemaState, IntFunction<String> viewSchema,
                        IntFunction<Optional<DatabaseCredentials>> versionLogins) {
        this.service = service;
        this.runtime = runtime;
        this.router = router;
        this.loop = loop;
        this.routes = routes;
        this.database = database;
        this.schemaState = schemaState;
        this.viewSchema = viewSchema;
        this.versionLogins = versionLogins;
        this.retirements = Executors.newSingleThreadExecutor(DaemonThreads.single("slipway-retire-" + service));
    }

    /**
     * Brings the revision in {@code slot} to {@code count} ready replicas: starts the missing ones and waits for their
     * readiness, or drains and stops the extra ones (newest first). Returns why a replica failed, or empty.
     */
    public Optional<String> scale(Slot slot, int count) {
        Revision revision = loop.current().revision(slot).orElseThrow(() ->
                new IllegalStateException("no " + slot.name().toLowerCase() + " revision to scale"));
        List<BoundReplica> started = new ArrayList<>();
        int ordinal = revision.nextOrdinal();
        while (revision.replicas().size() + started.size() < count) {
            ServiceState current = loop.current();
            SchemaBinding binding = SchemaBinding.forNewReplica(revision.release().schema(), schemaState.get(),
                    current.schemaTransition(), viewSchema);
            started.add(start(revision.release(), ordinal++, binding));
        }
        Duration deadline = readinessDeadline(revision.release());
        for (BoundReplica replica : started) {
            ReplicaState state = runtime.awaitReady(replica.replica(), deadline);
            if (state != ReplicaState.READY) {
                String why = notReady(replica.replica(), state, deadline);
                started.forEach(this::stopUnrouted);
                return Optional.of(why);
            }
        }
        if (!started.isEmpty()) {
            try {
                loop.update(current -> {
                    ServiceState next = current;
                    for (BoundReplica replica : started) {
                        next = next.withReplica(slot, revision.version(), replica);
                    }
                    return next;
                });
            } catch (RuntimeException e) {
                started.forEach(this::stopUnrouted); // the revision left its slot meanwhile: nobody would stop them
                throw e;
            }
            routes.sync();
        }
        while (true) {
            List<BoundReplica> now = loop.current().revision(slot).map(Revision::replicas).orElse(List.of());
            if (now.size() <= count) {
                return Optional.empty();
            }
            drainAndStop(List.of(now.get(now.size() - 1).replica()));
        }
    }

    /**
     * Replaces each of {@code moving} (replicas of the revision in {@code slot}) by a replica of the same release bound
     * as {@code binding} says, one at a time and start-first: the new one is ready and routed before the old one drains.
     *
     * @throws IllegalStateException when a new replica does not become ready; the old one keeps serving
     */
    public void replace(Slot slot, List<BoundReplica> moving, SchemaBinding binding) {
        for (BoundReplica old : moving) {
            Revision revision = loop.current().revision(slot).orElseThrow(() ->
                    new IllegalStateException("no " + slot.name().toLowerCase() + " revision any more"));
            BoundReplica fresh = start(revision.release(), revision.nextOrdinal(), binding);
            Duration deadline = readinessDeadline(revision.release());
            ReplicaState state = runtime.awaitReady(fresh.replica(), deadline);
            if (state != ReplicaState.READY) {
                String why = notReady(fresh.replica(), state, deadline);
                stopUnrouted(fresh);
                throw new IllegalStateException("a replica of " + revision.version() + " on " + binding.databaseSchema()
                        + ": " + why + "; the schema was not changed");
            }
            loop.update(current -> current.withReplica(slot, revision.version(), fresh));
            routes.sync();
            drainAndStop(List.of(old.replica()));
        }
    }

    /** Drains and stops every replica of a revision that no longer has a place in the service. */
    public void stop(Revision revision) {
        drainAndStop(revision.runningReplicas());
    }

    /** As {@link #stop}, on the fleet's own thread; the future ends when the last replica has stopped. */
    public CompletableFuture<Void> retire(Revision revision) {
        return CompletableFuture.runAsync(() -> stop(revision), retirements);
    }

    /** Stops a replica that belongs to no revision (found after a restart). */
    public void stopOrphan(Replica replica) {
        drainAndStop(List.of(replica));
    }

    /**
     * After a restart: the replicas of {@code release} that the runtime still knows and that are (or become) ready;
     * the others are stopped. Their schema version is unknown: the process chose it before the restart.
     */
    public Revision adopt(ReleaseSpec release, List<Replica> replicas) {
        List<BoundReplica> ready = new ArrayList<>();
        for (Replica replica : replicas) {
            ReplicaState state = runtime.awaitReady(replica, readinessDeadline(release));
            if (state == ReplicaState.READY) {
                ready.add(BoundReplica.adopted(replica));
            } else {
                log.warn("adopted replica {} is {}: replacing it", replica.id(), state);
                runtime.stop(replica, STOP_GRACE);
            }
        }
        return new Revision(release, ready);
    }

    /** How many replicas of the revision take traffic now (ready, not draining). */
    public int readyCount(Optional<Revision> revision) {
        ServiceState current = loop.current();
        return routes.readyEndpoints(revision, current).size();
    }

    /** The replicas of a revision whose process has failed (not counting those being stopped on purpose). */
    public List<Replica> failed(Revision revision) {
        ServiceState current = loop.current();
        return revision.runningReplicas().stream().filter(replica -> !current.draining().contains(replica.id())
                && runtime.state(replica) == ReplicaState.FAILED).toList();
    }

    /**
     * Why the revision cannot be trusted with traffic, in words for the user: a replica whose process failed (with the
     * runtime's reason, e.g. its exit code), or one that crashed after it was ready and is being started again (with
     * its exit code, crashes in a row and the end of its log); empty when neither. A rollout stops on it: a canary
     * that crashes once is a canary that failed.
     */
    public Optional<String> whyUnhealthy(Revision revision) {
        List<Replica> failed = failed(revision);
        if (!failed.isEmpty()) {
            Replica replica = failed.get(0);
            return Optional.of("replica " + replica.id() + " of " + revision.version() + " failed"
                    + runtime.failureReason(replica).map(reason -> ": " + reason).orElse(""));
        }
        for (Replica replica : revision.runningReplicas()) {
            Optional<String> crash = runtime.lastCrash(replica);
            if (crash.isPresent()) {
                return Optional.of("replica " + replica.id() + " of " + revision.version() + " crashed: " + crash.get());
            }
        }
        return Optional.empty();
    }

    /**
     * For a liveness restart the runtime has decided (the replica has left READY already): takes it out of the routes
     * now and returns once the router has no request in flight to it, or the drain timeout passed. The replica stays
     * in its revision: the runtime restarts it in place.
     */
    public void drainForRestart(Replica replica) {
        routes.sync();
        awaitDrained(replica);
    }

    /** Takes replicas out of the routes, lets their in-flight requests finish, stops them and forgets them. */
    private void drainAndStop(List<Replica> replicas) {
        if (replicas.isEmpty()) {
            return;
        }
        loop.update(current -> current.drainingToo(replicas));
        routes.sync();
        for (Replica replica : replicas) {
            awaitDrained(replica);
            if (loop.hasStopped()) {
                return; // a dead controller's replicas belong to whoever adopts them
            }
            runtime.stop(replica, STOP_GRACE);
            loop.update(current -> current.withoutReplica(replica));
        }
    }

    private void awaitDrained(Replica replica) {
        Replica now = runtime.current(replica); // where it answers now: a Swarm task may have moved to another node
        if (!router.awaitDrained(new Endpoint(now.host(), now.port()), DRAIN_TIMEOUT)) {
            log.warn("replica {} still had requests in flight after {} s; going on anyway", replica.id(),
                    DRAIN_TIMEOUT.toSeconds());
        }
    }

    /** Stops a replica that never got into a revision, so no route ever had it. */
    private void stopUnrouted(BoundReplica replica) {
        runtime.stop(replica.replica(), STOP_GRACE);
    }

    private BoundReplica start(ReleaseSpec release, int ordinal, SchemaBinding binding) {
        Map<String, String> environment = new LinkedHashMap<>();
        // Bound to one version's views, a replica logs in as that version's role: only those views, and a search
        // path that needs no connection parameter (so it works through PgBouncer in transaction pooling mode). A
        // search path of two versions (around an opaque migration) keeps the controller's login.
        Optional<DatabaseCredentials> login = binding.databaseSchema().equals(viewSchema.apply(binding.version()))
                ? versionLogin(binding.version()) : Optional.empty();
        environment.put("DATABASE_URL", database.jdbcUrl());
        environment.put("DATABASE_USER", login.map(DatabaseCredentials::user).orElse(database.user()));
        environment.put("DATABASE_PASSWORD", login.map(DatabaseCredentials::password).orElse(database.password()));
        environment.put("DATABASE_SCHEMA", binding.databaseSchema());
        environment.put("SLIPWAY_REVISION", release.version());
        // libpq-based clients name their sessions from it (JDBC applications pass it on as ApplicationName), so the
        // database gates of an analysis find the sessions of each revision
        environment.put("PGAPPNAME", AnalysisArgs.applicationName(service, release.version()));
        RunSpec run = new RunSpec(resolveCommand(release.run().command()), release.run().env());
        Replica replica = runtime.start(new ReplicaRequest(service, release.version(), ordinal, run, environment,
                release.health()));
        return new BoundReplica(replica, Optional.of(binding.version()));
    }

    private Optional<DatabaseCredentials> versionLogin(int version) {
        try {
            return versionLogins.apply(version);
        } catch (RuntimeException e) {
            log.warn("no login role for schema version {}; the replica logs in as the controller: {}", version,
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** Why a replica did not become ready: the runtime's words when it failed (asked before it is stopped). */
    private String notReady(Replica replica, ReplicaState state, Duration deadline) {
        if (state == ReplicaState.FAILED) {
            return "replica " + replica.id() + " is FAILED" + runtime.failureReason(replica).map(reason -> ": " + reason)
                    .orElse("");
        }
        return "replica " + replica.id() + " is " + state + " after " + deadline.toSeconds() + " s";
    }

    private static Duration readinessDeadline(ReleaseSpec release) {
        return release.health().readiness().startPeriod().plusSeconds(5);
    }

    /** {@code java} means the JVM Slipway runs on, so nothing needs to be on PATH. */
    private static List<String> resolveCommand(List<String> command) {
        if (command.isEmpty() || !command.get(0).equals("java")) {
            return command;
        }
        List<String> resolved = new ArrayList<>(command);
        resolved.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return resolved;
    }

    /** Lets the revisions being retired finish stopping (at most a drain and a stop grace), then ends its thread. */
    @Override
    public void close() {
        retirements.shutdown();
        try {
            retirements.awaitTermination(DRAIN_TIMEOUT.plus(STOP_GRACE).toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends its thread at once, leaving every replica running (as a crash would). */
    public void abandon() {
        retirements.shutdownNow();
    }
}
