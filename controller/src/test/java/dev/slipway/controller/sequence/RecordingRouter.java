package dev.slipway.controller.sequence;

import dev.slipway.controller.RouteTables;
import dev.slipway.router.Endpoint;
import dev.slipway.router.RevisionMetrics;
import dev.slipway.router.RouteTable;
import dev.slipway.router.TrafficRouter;
import dev.slipway.runtime.Replica;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A router that only keeps the table, and checks every table it is given at once: while some revision the
 * controller runs has a ready replica (one the controller has seen ready, see {@link FakeRuntime#ready}), requests
 * must reach a ready endpoint. Each table that routes nowhere in that situation is recorded with who sent it.
 */
final class RecordingRouter implements TrafficRouter {
    /** A table that routed nowhere while {@code ready} replicas of running revisions existed. */
    record Violation(RouteTable table, List<String> ready, List<String> running, String thread, String calledFrom) {
        @Override
        public String toString() {
            return "table " + table.backends() + " routes nowhere while " + ready + " are ready (running " + running
                    + "), sent by " + thread + " from " + calledFrom;
        }
    }

    private final FakeRuntime runtime;
    private final List<Violation> violations = new CopyOnWriteArrayList<>();
    private volatile Supplier<List<String>> runningVersions = List::of;
    private volatile RouteTable current = new RouteTable(List.of(), List.of());

    RecordingRouter(FakeRuntime runtime) {
        this.runtime = runtime;
    }

    /** Whose revisions count as running: the controller alive now (a new one after a crash). */
    void watch(Supplier<List<String>> runningVersions) {
        this.runningVersions = runningVersions;
    }

    @Override
    public void route(RouteTable table) {
        current = table;
        check(table);
    }

    /** Checks the table in force now, as a user would find it between two actions. */
    void checkCurrent() {
        check(current);
    }

    private void check(RouteTable table) {
        List<String> running = runningVersions.get();
        List<Replica> ready = runtime.ready(running);
        if (!ready.isEmpty() && !RouteTables.routable(table)) {
            String caller = Arrays.stream(new Throwable().getStackTrace())
                    .filter(frame -> frame.getClassName().startsWith("dev.slipway.controller.RolloutController"))
                    .limit(4).map(frame -> frame.getMethodName() + ":" + frame.getLineNumber())
                    .collect(Collectors.joining(" < "));
            violations.add(new Violation(table, ready.stream().map(Replica::id).toList(), running,
                    Thread.currentThread().getName(), caller));
        }
    }

    List<Violation> violations() {
        return List.copyOf(violations);
    }

    @Override
    public RouteTable routes() {
        return current;
    }

    @Override
    public boolean awaitDrained(Endpoint endpoint, Duration timeout) {
        return true;
    }

    @Override
    public RevisionMetrics metrics(String revision) {
        return RevisionMetrics.empty(revision);
    }

    @Override
    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    @Override
    public InetSocketAddress adminAddress() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    @Override
    public void close() {
    }
}
