package dev.slipway.controller.state;

import dev.slipway.controller.guard.RevisionRef;
import dev.slipway.router.HeaderRoute;
import dev.slipway.runtime.Replica;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Everything the controller knows about what runs now, as one immutable value: the stable release, the rollout's
 * canary, the release kept for undo, how traffic is split, which replicas are draining, what users asked of the
 * rollout, and a schema action in progress. Only the {@code RolloutLoop} replaces it, through the named transitions
 * below; every other thread reads a consistent snapshot.
 *
 * @param baseline         an experiment's baseline: fresh replicas of the stable release at the canary's weight
 * @param desiredVersion   the release last applied; differs from stable while a rollout runs or after an abort
 * @param draining         replicas taken out of the routes before they stop; they get no new requests
 * @param previewCanary    blue-green: the canary is the route table's preview revision until the rollout ends
 * @param schemaTransition a schema action the guard let through that has not ended yet
 */
public record ServiceState(Optional<Revision> stable, Optional<Revision> canary, Optional<Revision> previous,
                           Optional<Revision> baseline, int canaryWeight, List<HeaderRoute> headerRoutes, boolean previewCanary,
                           Optional<String> desiredVersion, Set<String> draining, RolloutRequests requests,
                           Optional<SchemaTransition> schemaTransition) {
    public ServiceState {
        headerRoutes = List.copyOf(headerRoutes);
        draining = Set.copyOf(draining);
    }

    /** A service that runs nothing. */
    public static ServiceState empty() {
        return new ServiceState(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0, List.of(), false,
                Optional.empty(), Set.of(), RolloutRequests.none(), Optional.empty());
    }

    // ------------------------------------------------------------------ reading

    public Optional<Revision> revision(Slot slot) {
        return switch (slot) {
            case STABLE -> stable;
            case CANARY -> canary;
            case PREVIOUS -> previous;
            case BASELINE -> baseline;
        };
    }

    public boolean rolling() {
        return canary.isPresent();
    }

    /** The binaries that must keep reading the schema: stable, canary, and a blue-green release kept for undo. */
    public List<RevisionRef> mustKeepWorking(String service) {
        List<RevisionRef> revisions = new ArrayList<>();
        for (Slot slot : Slot.values()) {
            revision(slot).ifPresent(revision -> revisions.add(new RevisionRef(service, revision.version(),
                    revision.release().schema(), slot.role())));
        }
        return revisions;
    }

    /** Versions with running replicas: stable first, then the canary, then the release kept for undo. */
    public List<String> runningVersions() {
        List<String> versions = new ArrayList<>();
        for (Slot slot : Slot.values()) {
            revision(slot).ifPresent(revision -> versions.add(revision.version()));
        }
        return versions;
    }

    // ------------------------------------------------------------------ rollouts

    /** The first release is accepted: it runs as the canary until it has all its replicas. */
    public ServiceState firstDeployAccepted(Revision first) {
        return edit().canary(Optional.of(first)).desired(first.version()).newRollout().build();
    }

    /** The first release has all its replicas: it becomes stable. */
    public ServiceState firstDeployDone() {
        return edit().stable(canary).canary(Optional.empty()).weight(0).build();
    }

    /** A rollout of {@code incoming} is accepted: it is the canary, without traffic yet. */
    public ServiceState rolloutAccepted(Revision incoming) {
        return edit().canary(Optional.of(incoming)).desired(incoming.version()).newRollout().build();
    }

    /**
     * The canary becomes stable and gets all traffic. The outgoing stable release is kept as the undo target when
     * {@code keepOutgoing}; a release kept for undo by an earlier rollout is no longer one either way.
     */
    public ServiceState promoted(boolean keepOutgoing) {
        return edit().stable(canary).previous(keepOutgoing ? stable : Optional.empty()).canary(Optional.empty())
                .endRollout().build();
    }

    /** The canary is removed and all traffic goes back to stable. */
    public ServiceState aborted() {
        return edit().canary(Optional.empty()).desired(stable.map(Revision::version).orElse(null)).endRollout().build();
    }

    /** An experiment starts: {@code revision} (a copy of the stable release) gets the canary's weight once ready. */
    public ServiceState withBaseline(Revision revision) {
        return edit().baseline(Optional.of(revision)).build();
    }

    /** The experiment ended: the baseline's share goes back to stable. */
    public ServiceState baselineRemoved() {
        return edit().baseline(Optional.empty()).build();
    }

    public ServiceState withCanaryWeight(int percent) {
        return edit().weight(percent).build();
    }

    /** Requests carrying {@code route}'s header and value go to the canary (replacing the same header and value). */
    public ServiceState withHeaderRoute(HeaderRoute route) {
        List<HeaderRoute> routes = new ArrayList<>(headerRoutes);
        routes.removeIf(existing -> existing.name().equalsIgnoreCase(route.name()) && existing.value().equals(route.value()));
        routes.add(route);
        return edit().headerRoutes(routes).build();
    }

    public ServiceState previewingCanary() {
        return edit().preview(true).build();
    }

    public ServiceState withRequests(UnaryOperator<RolloutRequests> change) {
        return edit().requests(change.apply(requests)).build();
    }

    // ------------------------------------------------------------------ undo

    /** Blue-green undo inside the scale-down delay: the kept release is stable again; the one it replaced goes. */
    public ServiceState switchedBack() {
        return edit().stable(previous).previous(Optional.empty()).desired(previous.map(Revision::version).orElse(null))
                .build();
    }

    /** The scale-down delay is over: the kept release is no undo target any more and goes. */
    public ServiceState previousRetired() {
        return edit().previous(Optional.empty()).build();
    }

    // ------------------------------------------------------------------ replicas

    /** Adds a ready replica to the revision in {@code slot}, which must still be {@code version}. */
    public ServiceState withReplica(Slot slot, String version, BoundReplica replica) {
        return changeRevision(slot, version, revision -> revision.with(replica));
    }

    /** Removes a replica from whichever revision has it, and from the draining ones. */
    public ServiceState withoutReplica(Replica replica) {
        Builder next = edit();
        for (Slot slot : Slot.values()) {
            next.slot(slot, revision(slot).map(revision -> revision.without(replica)));
        }
        Set<String> stillDraining = new HashSet<>(draining);
        stillDraining.remove(replica.id());
        return next.draining(stillDraining).build();
    }

    public ServiceState drainingToo(Collection<Replica> replicas) {
        Set<String> more = new HashSet<>(draining);
        replicas.forEach(replica -> more.add(replica.id()));
        return edit().draining(more).build();
    }

    public ServiceState changeRevision(Slot slot, String version, UnaryOperator<Revision> change) {
        Revision current = revision(slot).filter(revision -> revision.version().equals(version)).orElseThrow(() ->
                new IllegalStateException(slot.name().toLowerCase() + " is no longer " + version));
        return edit().slot(slot, Optional.of(change.apply(current))).build();
    }

    // ------------------------------------------------------------------ schema actions and restarts

    public ServiceState inSchemaTransition(SchemaTransition transition) {
        return edit().transition(Optional.of(transition)).build();
    }

    public ServiceState schemaTransitionEnded() {
        return edit().transition(Optional.empty()).build();
    }

    /** After a restart: what the store says runs, with the replicas adopted from the runtime. */
    public ServiceState resumed(Optional<Revision> stableRevision, Optional<Revision> canaryRevision, int weight,
                                String desired) {
        return edit().stable(stableRevision).canary(canaryRevision).previous(Optional.empty()).desired(desired)
                .newRollout().weight(canaryRevision.isPresent() ? weight : 0).build();
    }

    private Builder edit() {
        return new Builder(this);
    }

    /** Copies a state with some fields changed; keeps each transition above to the fields it changes. */
    private static final class Builder {
        private Optional<Revision> stable;
        private Optional<Revision> canary;
        private Optional<Revision> previous;
        private Optional<Revision> baseline;
        private int weight;
        private List<HeaderRoute> headerRoutes;
        private boolean preview;
        private Optional<String> desired;
        private Set<String> draining;
        private RolloutRequests requests;
        private Optional<SchemaTransition> transition;

        Builder(ServiceState state) {
            stable = state.stable;
            canary = state.canary;
            previous = state.previous;
            baseline = state.baseline;
            weight = state.canaryWeight;
            headerRoutes = state.headerRoutes;
            preview = state.previewCanary;
            desired = state.desiredVersion;
            draining = state.draining;
            requests = state.requests;
            transition = state.schemaTransition;
        }

        Builder stable(Optional<Revision> value) { stable = value; return this; }
        Builder canary(Optional<Revision> value) { canary = value; return this; }
        Builder previous(Optional<Revision> value) { previous = value; return this; }
        Builder baseline(Optional<Revision> value) { baseline = value; return this; }
        Builder weight(int value) { weight = value; return this; }
        Builder headerRoutes(List<HeaderRoute> value) { headerRoutes = value; return this; }
        Builder preview(boolean value) { preview = value; return this; }
        Builder desired(String value) { desired = Optional.ofNullable(value); return this; }
        Builder draining(Set<String> value) { draining = value; return this; }
        Builder requests(RolloutRequests value) { requests = value; return this; }
        Builder transition(Optional<SchemaTransition> value) { transition = value; return this; }

        Builder slot(Slot slot, Optional<Revision> revision) {
            return switch (slot) {
                case STABLE -> stable(revision);
                case CANARY -> canary(revision);
                case PREVIOUS -> previous(revision);
                case BASELINE -> baseline(revision);
            };
        }

        /** A rollout starts: no weight, no header routes, no preview, nothing asked of it yet. */
        Builder newRollout() {
            return weight(0).headerRoutes(List.of()).preview(false).requests(RolloutRequests.none());
        }

        /** A rollout ended: its weight, header routes, preview and requests go with it. */
        Builder endRollout() {
            return newRollout();
        }

        ServiceState build() {
            return new ServiceState(stable, canary, previous, baseline, weight, headerRoutes, preview, desired, draining, requests,
                    transition);
        }
    }
}
