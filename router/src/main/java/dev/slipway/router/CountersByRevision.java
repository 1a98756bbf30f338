package dev.slipway.router;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** Every revision the router has routed to since it started, with its counters; never forgets one. */
final class CountersByRevision {

    /** Where requests are counted when no revision could take them. */
    static final String NO_REVISION = "none";

    private final ConcurrentHashMap<String, RevisionCounters> counters = new ConcurrentHashMap<>();
    private final SampleClock clock;
    private final int eventLoops;

    /** For a router whose requests finish on {@code eventLoops} event loops, numbered from 0. */
    CountersByRevision(SampleClock clock, int eventLoops) {
        this.clock = clock;
        this.eventLoops = eventLoops;
    }

    RevisionCounters forRevision(String revision) {
        return counters.computeIfAbsent(revision,
                name -> new RevisionCounters(name, eventLoops, new LatencySamples(clock, eventLoops)));
    }

    int eventLoops() {
        return eventLoops;
    }

    SampleClock clock() {
        return clock;
    }

    RevisionCounters find(String revision) {
        return counters.get(revision);
    }

    List<RevisionCounters> sortedByRevision() {
        List<RevisionCounters> all = new ArrayList<>(counters.values());
        all.sort(Comparator.comparing(RevisionCounters::revision));
        return all;
    }

    long totalInFlight() {
        long total = 0;
        for (RevisionCounters revision : counters.values()) {
            total += revision.inFlight();
        }
        return total;
    }
}
