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
public final class RecordingRouter implements TrafficRouter {
    /** A table that routed nowhere while replicas of running revisions were ready, or routed to a stopped replica. */
    public record Violation(RouteTable table, String problem, String thread, String calledFrom) {
        @Override
        public String toString() {
            return "table " + table.backends() + " " + problem + ", sent by " + thread + " from " + calledFrom;
        }
    }

    private final FakeRuntime runtime;
    private final List<Violation> violations = new CopyOnWriteArrayList<>();
    private final List<RouteTable> tables = new CopyOnWriteArrayList<>();
    private volatile Hold drainHold = new Hold();
    private volatile boolean holdingDrains;
    private volatile Supplier<List<String>> runningVersions = List::of;
    private volatile RouteTable current = new RouteTable(List.of(), List.of());

    public RecordingRouter(FakeRuntime runtime) {
        this.runtime = runtime;
    }

    /** Whose revisions count as running: the controller alive now (a new one after a crash). */
    public void watch(Supplier<List<String>> runningVersions) {
        this.runningVersions = runningVersions;
    }

    @Override
    public void route(RouteTable table) {
        tables.add(table);
        current = table;
        check(table);
    }

    /** Checks the table in force now, as a user would find it between two actions. */
    public void checkCurrent() {
        check(current);
    }

    private void check(RouteTable table) {
        for (var backend : table.backends()) {
            for (Endpoint endpoint : backend.endpoints()) {
                if (runtime.stoppedPort(endpoint.port())) {
                    violations.add(new Violation(table, "routes " + backend.revision() + " to the stopped replica on port "
                            + endpoint.port(), Thread.currentThread().getName(), caller()));
                }
            }
        }
        List<String> running = runningVersions.get();
        List<Replica> ready = runtime.ready(running);
        if (!ready.isEmpty() && !RouteTables.routable(table)) {
            violations.add(new Violation(table, "routes nowhere while " + ready.stream().map(Replica::id).toList()
                    + " are ready (running " + running + ")", Thread.currentThread().getName(), caller()));
        }
    }

    private static String caller() {
        return Arrays.stream(new Throwable().getStackTrace())
                .filter(frame -> frame.getClassName().startsWith("dev.slipway.controller.")
                        && !frame.getClassName().contains(".sequence."))
                .limit(4).map(frame -> frame.getClassName().replaceAll(".*\\.", "") + "." + frame.getMethodName()
                        + ":" + frame.getLineNumber())
                .collect(Collectors.joining(" < "));
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    @Override
    public RouteTable routes() {
        return current;
    }

    @Override
    public boolean awaitDrained(Endpoint endpoint, Duration timeout) {
        if (holdingDrains) {
            drainHold.arrive();
        }
        return true;
    }

    /** The next drain waits (a long request still in flight) until the hold is released. */
    public Hold holdDrain() {
        drainHold = new Hold();
        holdingDrains = true;
        return drainHold;
    }

    /** Every table the router got, oldest first. */
    public List<RouteTable> tables() {
        return List.copyOf(tables);
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
