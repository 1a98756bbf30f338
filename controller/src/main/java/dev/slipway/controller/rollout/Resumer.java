package dev.slipway.controller.rollout;

import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.replica.ReplicaFleet;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;
import dev.slipway.controller.traffic.RouteSync;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * After a restart (or a {@code kill -9}): adopts the replicas the runtime still knows, sends traffic as the store
 * says, stops what belongs to no revision, and continues a rollout that was in progress from its recorded step. The
 * store is the truth; nothing that already happened is done again.
 */
public final class Resumer {
    private static final Logger log = LoggerFactory.getLogger(Resumer.class);

    private final String service;
    private final RolloutLoop loop;
    private final ReplicaFleet fleet;
    private final RouteSync routes;
    private final RolloutRunner runner;
    private final KnownReleases releases;
    private final Runtime runtime;
    private final Store store;
    private final Clock clock;
    private final RolloutEvents events;

    public Resumer(String service, RolloutLoop loop, ReplicaFleet fleet, RouteSync routes, RolloutRunner runner,
                   KnownReleases releases, Runtime runtime, Store store, Clock clock, RolloutEvents events) {
        this.service = service;
        this.loop = loop;
        this.fleet = fleet;
        this.routes = routes;
        this.runner = runner;
        this.releases = releases;
        this.runtime = runtime;
        this.store = store;
        this.clock = clock;
        this.events = events;
    }

    /** Returns false when the store knows no rollout of this service. */
    public boolean resume(String actor) {
        Optional<RolloutRecord> latest = store.latestRollout(service);
        if (latest.isEmpty()) {
            return false;
        }
        RolloutRecord rollout = latest.get();
        boolean inProgress = !rollout.phase().finished();
        boolean firstDeploy = rollout.fromVersion() == null;
        if (firstDeploy && rollout.phase() == RolloutPhase.ABORTED) {
            // The first deploy failed: nothing is stable, and whatever replicas remain belong to no revision.
            runtime.list(service).forEach(fleet::stopOrphan);
            events.note("resumed: nothing runs (the first deploy of " + rollout.toVersion() + " had failed)");
            return true;
        }
        String stableVersion = rollout.phase() == RolloutPhase.PROMOTED || firstDeploy ? rollout.toVersion()
                : rollout.fromVersion();
        String canaryVersion = inProgress && !firstDeploy ? rollout.toVersion() : null;
        Map<String, List<Replica>> adopted = new LinkedHashMap<>();
        for (Replica replica : runtime.list(service)) {
            adopted.computeIfAbsent(replica.revision(), version -> new ArrayList<>()).add(replica);
        }
        Revision stable = adopt(stableVersion, adopted);
        Optional<Revision> canary = Optional.ofNullable(canaryVersion).map(version -> adopt(version, adopted));
        boolean deploying = firstDeploy && inProgress;
        loop.update(state -> state.resumed(deploying ? Optional.empty() : Optional.of(stable),
                deploying ? Optional.of(stable) : canary, rollout.canaryWeight(), rollout.toVersion()));
        routes.sync();
        for (List<Replica> orphans : adopted.values()) {
            for (Replica orphan : orphans) {
                log.info("stopping {}: it belongs to no current revision", orphan.id());
                fleet.stopOrphan(orphan);
            }
        }
        store.audit(new AuditEntry(clock.instant(), service, actor, "resume", "done",
                "rollout " + rollout.toVersion() + " " + rollout.phase()));
        events.note("resumed: stable " + stableVersion + (canaryVersion == null ? "" : ", rollout of " + canaryVersion
                + " " + rollout.phase() + " at step " + rollout.stepIndex()));
        if (deploying) {
            runner.finishFirstDeploy(rollout, actor);
        } else if (canary.isPresent()) {
            runner.drive(rollout, actor);
        } else {
            runner.restoreStable();
        }
        return true;
    }

    private Revision adopt(String version, Map<String, List<Replica>> adopted) {
        ReleaseSpec release = releases.find(version).orElseThrow(() -> new IllegalStateException(
                "the store has no release " + version + " of " + service + " to resume"));
        Revision revision = fleet.adopt(release, adopted.getOrDefault(version, List.of()));
        adopted.remove(version);
        return revision;
    }
}
