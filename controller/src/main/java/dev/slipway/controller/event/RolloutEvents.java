package dev.slipway.controller.event;

import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.router.RouteTable;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where every {@link RolloutEvent} goes out: to the typed listeners, and onto the timeline as a line with the picture
 * right after it (traffic weights, schema state, running versions). The one place to hook dashboards, notifications
 * and audits of what the controller does.
 */
public final class RolloutEvents {
    private final Clock clock;
    private final Supplier<ServiceState> state;
    private final Supplier<RouteTable> routes;
    private final Supplier<SortedSet<Integer>> schemaState;
    private final List<TimelineEntry> timeline = new CopyOnWriteArrayList<>();
    private final List<Consumer<TimelineEntry>> timelineListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<RolloutEvent>> listeners = new CopyOnWriteArrayList<>();

    public RolloutEvents(Clock clock, Supplier<ServiceState> state, Supplier<RouteTable> routes,
                         Supplier<SortedSet<Integer>> schemaState) {
        this.clock = clock;
        this.state = state;
        this.routes = routes;
        this.schemaState = schemaState;
    }

    /** Called with every event, on the thread that emits it; must not block. */
    public void addListener(Consumer<RolloutEvent> listener) {
        listeners.add(listener);
    }

    /** Called with every timeline line, on the thread that emits it; must not block. */
    public void addTimelineListener(Consumer<TimelineEntry> listener) {
        timelineListeners.add(listener);
    }

    public void emit(RolloutEvent event) {
        if (!event.onTimeline()) {
            listeners.forEach(listener -> listener.accept(event));
            return;
        }
        Map<String, Integer> weights = new LinkedHashMap<>();
        routes.get().backends().forEach(backend -> weights.put(backend.revision(), backend.weight()));
        TimelineEntry entry = new TimelineEntry(clock.instant(), event.text(), weights, readableSchemaState(),
                state.get().runningVersions());
        timeline.add(entry);
        listeners.forEach(listener -> listener.accept(event));
        timelineListeners.forEach(listener -> listener.accept(entry));
    }

    /**
     * The schema state for a timeline entry; none while the database cannot be read, so that what happens during an
     * outage (the outage itself first) is still recorded.
     */
    private SortedSet<Integer> readableSchemaState() {
        try {
            return new TreeSet<>(schemaState.get());
        } catch (RuntimeException unreadable) {
            return new TreeSet<>();
        }
    }

    /** A timeline line that is no particular event. */
    public void note(String text) {
        emit(new RolloutEvent.Note(text));
    }

    public List<TimelineEntry> timeline() {
        return List.copyOf(timeline);
    }

    /** The newest {@code count} lines, oldest first. */
    public List<TimelineEntry> recent(int count) {
        List<TimelineEntry> entries = List.copyOf(timeline);
        return entries.subList(Math.max(0, entries.size() - count), entries.size());
    }
}
