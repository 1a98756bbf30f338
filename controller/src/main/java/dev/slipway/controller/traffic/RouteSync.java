package dev.slipway.controller.traffic;

import dev.slipway.controller.RouteTables;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.model.support.DaemonThreads;
import dev.slipway.router.Endpoint;
import dev.slipway.router.RouteTable;
import dev.slipway.router.TrafficRouter;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaState;
import dev.slipway.runtime.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps the router's table in step with the service: who is ready now (readiness gates traffic: a replica that stops
 * being ready leaves the table, and comes back), the canary's weight and header routes, the preview. It runs on a
 * thread of its own that does nothing else and never waits for anything but the router, so readiness keeps reaching
 * the router while a contract, a drain or a rollout step takes its time elsewhere. When no replica is ready at all,
 * the stable release's running replicas are routed anyway ({@link PanicRouting}).
 */
public final class RouteSync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RouteSync.class);
    private static final long REFRESH_MILLIS = 250;

    private final TrafficRouter router;
    private final Runtime runtime;
    private final Supplier<ServiceState> state;
    private final ScheduledExecutorService thread;
    private final PanicRouting panicRouting = new PanicRouting();
    /** Touched only on the sync thread. */
    private RouteTable sent = new RouteTable(List.of(), List.of());
    private volatile RouteTable lastTable = sent;
    private volatile boolean stopped;

    public RouteSync(String service, TrafficRouter router, Runtime runtime, Supplier<ServiceState> state) {
        this.router = router;
        this.runtime = runtime;
        this.state = state;
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("slipway-routes-" + service));
    }

    /** Where panic routing's start and end go (the controller's events); until set, nowhere. */
    public void reportTo(Consumer<RolloutEvent> events) {
        panicRouting.reportTo(events);
    }

    /** Starts the periodic refresh. */
    public RouteSync start() {
        thread.scheduleWithFixedDelay(this::refreshQuietly, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Asks for a refresh soon, without waiting for it. */
    public void request() {
        try {
            thread.execute(this::refreshQuietly);
        } catch (RejectedExecutionException stopped) {
            // stopped: the router is no longer ours to change
        }
    }

    /**
     * Sends the table of the state as it is now, and returns once the router has it: what the caller changed
     * before takes effect before it goes on (a weight before its analysis window, a drain before the stop).
     *
     * @throws IllegalStateException when the router did not take it, or the sync has stopped
     */
    public void sync() {
        if (stopped) {
            throw new IllegalStateException("the routes are no longer synced: this controller has stopped");
        }
        try {
            thread.submit(this::refresh).get();
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("the routes are no longer synced: this controller has stopped", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while syncing the routes", e);
        }
    }

    /** The table the router got last. */
    public RouteTable lastTable() {
        return lastTable;
    }

    /** The replicas of {@code revision} that take traffic now: ready and not draining. */
    public List<Endpoint> readyEndpoints(Optional<Revision> revision, ServiceState current) {
        return endpoints(revision, current, ReplicaState.READY);
    }

    /** The endpoints of the revision's replicas in {@code state}, draining ones left out. */
    private List<Endpoint> endpoints(Optional<Revision> revision, ServiceState current, ReplicaState state) {
        List<Endpoint> endpoints = new ArrayList<>();
        if (revision.isEmpty()) {
            return endpoints;
        }
        for (Replica replica : revision.get().runningReplicas()) {
            if (!current.draining().contains(replica.id()) && runtime.state(replica) == state) {
                // where it answers now: a Swarm task may have moved to another node
                Replica now = runtime.current(replica);
                endpoints.add(new Endpoint(now.host(), now.port()));
            }
        }
        return endpoints;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("could not refresh routes: {}", e.getMessage());
        }
    }

    /** Builds the table from who is ready now and the canary weight; sends it only if it changed. */
    private void refresh() {
        if (stopped) {
            return;
        }
        ServiceState current = state.get();
        String stableVersion = current.stable().map(Revision::version).orElse(null);
        List<Endpoint> canaryReady = readyEndpoints(current.canary(), current);
        List<Endpoint> stableEndpoints = panicRouting.stableEndpoints(stableVersion,
                readyEndpoints(current.stable(), current), endpoints(current.stable(), current, ReplicaState.NOT_READY),
                canaryReady);
        RouteTable table = RouteTables.build(stableVersion, stableEndpoints,
                current.canary().map(Revision::version).orElse(null), canaryReady,
                current.canaryWeight(), current.headerRoutes(), current.previewCanary());
        if (current.baseline().isPresent() && current.canary().isPresent()) {
            table = RouteTables.withBaseline(table, current.baseline().get().version(),
                    readyEndpoints(current.baseline(), current), current.canary().get().version());
        }
        if (!table.equals(sent)) {
            router.route(table);
            sent = table;
            lastTable = table;
        }
    }

    /** Never touches the router again (a dead controller's successor owns it now). */
    public void stop() {
        stopped = true;
        thread.shutdownNow();
    }

    @Override
    public void close() {
        stop();
    }
}
