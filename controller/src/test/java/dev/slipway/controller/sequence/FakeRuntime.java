package dev.slipway.controller.sequence;

import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.RestartPolicy;
import dev.slipway.runtime.Runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An in-memory runtime: a replica is ready as soon as someone waits for it, unless its release's readiness path is
 * {@value #NEVER_READY}, which fails at once. It outlives the controllers that use it, as a real runtime outlives a
 * crashed controller, so a restarted controller finds the replicas again through {@link #list}.
 */
public final class FakeRuntime implements Runtime {
    /** The readiness path of a release whose replicas never become ready. */
    public static final String NEVER_READY = "/never";

    private final AtomicInteger ports = new AtomicInteger(20_000);
    private final Map<String, Replica> replicas = new ConcurrentHashMap<>();
    private final Map<String, ReplicaState> states = new ConcurrentHashMap<>();
    private final Map<String, ReplicaRequest> requests = new ConcurrentHashMap<>();
    /**
     * Replicas the controller has seen ready when it asked for their state, as it does for the replicas of its
     * revisions whenever it builds a route table. A replica that passed readiness a moment ago, but that the
     * controller has not taken into a revision yet, is not among them: no table could have included it.
     */
    private final Set<String> seenReady = ConcurrentHashMap.newKeySet();
    private volatile RestartPolicy restartPolicy = RestartPolicy.ONE_AT_A_TIME;
    /** Every replica ever stopped, by id: a table that routes to one of them sends requests to a dead process. */
    private final Set<String> stopped = ConcurrentHashMap.newKeySet();
    private volatile Predicate<ReplicaRequest> holdWhen = request -> false;
    private volatile Hold startHold = new Hold();

    /** The next start whose request matches {@code when} waits (a replica slow to start) until the hold is released. */
    public Hold holdStart(Predicate<ReplicaRequest> when) {
        Hold hold = new Hold();
        startHold = hold;
        holdWhen = when;
        return hold;
    }

    @Override
    public Replica start(ReplicaRequest request) {
        if (holdWhen.test(request)) {
            startHold.arrive();
        }
        int port = ports.incrementAndGet();
        String id = request.service() + "-" + request.revision() + "-" + request.ordinal() + "-" + port;
        Replica replica = new Replica(id, request.service(), request.revision(), "127.0.0.1", port);
        replicas.put(id, replica);
        requests.put(id, request);
        states.put(id, ReplicaState.STARTING);
        return replica;
    }

    @Override
    public ReplicaState awaitReady(Replica replica, Duration deadline) {
        ReplicaRequest request = requests.get(replica.id());
        ReplicaState state = states.getOrDefault(replica.id(), ReplicaState.STOPPED);
        if (state == ReplicaState.STARTING && request != null) {
            state = request.health().readiness().path().equals(NEVER_READY) ? ReplicaState.FAILED : ReplicaState.READY;
            states.put(replica.id(), state);
        }
        return state;
    }

    @Override
    public ReplicaState state(Replica replica) {
        ReplicaState state = states.getOrDefault(replica.id(), ReplicaState.STOPPED);
        if (state == ReplicaState.READY) {
            seenReady.add(replica.id());
        }
        return state;
    }

    @Override
    public void stop(Replica replica, Duration grace) {
        stopped.add(replica.id());
        replicas.remove(replica.id());
        states.put(replica.id(), ReplicaState.STOPPED);
    }

    @Override
    public void useRestartPolicy(RestartPolicy policy) {
        restartPolicy = policy;
    }

    /** The policy the controller set, for a test that plays the runtime's part of a liveness restart. */
    RestartPolicy restartPolicy() {
        return restartPolicy;
    }

    /** What a probe would find: e.g. NOT_READY for a replica failing readiness, STARTING at a liveness restart. */
    void probed(Replica replica, ReplicaState state) {
        states.put(replica.id(), state);
    }

    @Override
    public List<Replica> list(String service) {
        return replicas.values().stream().filter(replica -> replica.service().equals(service))
                .sorted(java.util.Comparator.comparing(Replica::id)).toList();
    }

    /** Replicas of any of {@code revisions} that are ready, have not been stopped, and the controller saw ready. */
    public List<Replica> ready(List<String> revisions) {
        List<Replica> ready = new ArrayList<>();
        for (Replica replica : replicas.values()) {
            if (revisions.contains(replica.revision()) && states.get(replica.id()) == ReplicaState.READY
                    && seenReady.contains(replica.id())) {
                ready.add(replica);
            }
        }
        return ready;
    }

    /** The replica's probe finds it {@code state} from now on (e.g. no longer ready, or failed). */
    public void probeFinds(Replica replica, ReplicaState state) {
        states.put(replica.id(), state);
    }

    /** Whether {@code port} belongs to a replica that was stopped. */
    public boolean stoppedPort(int port) {
        return stopped.stream().anyMatch(id -> id.endsWith("-" + port));
    }

    /** The DATABASE_SCHEMA of each live replica of {@code revision}, in id order. */
    public List<String> databaseSchemas(String revision) {
        return list(ServiceUnderTest.SERVICE).stream().filter(replica -> replica.revision().equals(revision))
                .map(replica -> requests.get(replica.id()).environment().get("DATABASE_SCHEMA")).toList();
    }

    /** Every revision a replica was ever started for, stopped or not. */
    public List<String> startedRevisions() {
        return requests.values().stream().map(ReplicaRequest::revision).distinct().sorted().toList();
    }

    /** The revisions that still have replicas (started and not stopped), in no particular order. */
    public List<String> liveRevisions() {
        return replicas.values().stream().map(Replica::revision).distinct().sorted().toList();
    }

    @Override
    public void close() {
        replicas.keySet().forEach(id -> states.put(id, ReplicaState.STOPPED));
        replicas.clear();
    }
}
