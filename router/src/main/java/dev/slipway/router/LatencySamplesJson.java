package dev.slipway.router;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code GET /samples?since=EPOCH_MILLIS[&revision=NAME...]}: per revision, the requests that finished since a
 * window start, with exact counts by status class and a sample of their latencies (microseconds) and status
 * classes, pair by pair. See {@link LatencySamples} for how the sample is drawn; README "Latency samples" for the
 * contract.
 */
final class LatencySamplesJson {

    private LatencySamplesJson() {
    }

    /**
     * @param sinceEpochMillis the window start; rounded down to the router's second, and raised to the oldest second
     *                         still retained (then {@code complete} is false)
     * @param revisions        the revisions to report, each even without requests; empty: every revision with requests
     */
    static String render(CountersByRevision counters, long sinceEpochMillis, List<String> revisions) {
        SampleClock clock = counters.clock();
        long nowNanos = System.nanoTime();
        long nowSecond = clock.second(nowNanos);
        long oldestRetained = nowSecond - LatencySamples.RETAINED_SECONDS + 1;
        long requestedSecond = clock.secondOf(sinceEpochMillis);
        long fromSecond = Math.max(requestedSecond, Math.max(oldestRetained, 0));
        boolean complete = requestedSecond >= oldestRetained || oldestRetained <= 0;
        List<RevisionJson> written = new ArrayList<>();
        List<String> names = revisions.isEmpty()
                ? counters.sortedByRevision().stream().map(RevisionCounters::revision).toList() : revisions;
        for (String name : names) {
            LatencySamples.Window window = new LatencySamples.Window();
            RevisionCounters revision = counters.find(name); // never created here: /metrics lists what was routed
            if (revision != null) {
                revision.samples().collect(fromSecond, nowSecond, window);
            }
            if (window.requests > 0 || !revisions.isEmpty()) {
                written.add(new RevisionJson(name, window.requests, window.byStatusClass[2], window.byStatusClass[3],
                        window.byStatusClass[4], window.byStatusClass[5], Arrays.copyOf(window.latencyMicros,
                        window.sampled), Arrays.copyOf(window.statusClasses, window.sampled)));
            }
        }
        long untilEpochMillis = clock.originEpochMillis() + (nowNanos - clock.originNanos()) / 1_000_000L;
        return StrictJson.write(new SamplesJson(clock.epochMillisOf(fromSecond), untilEpochMillis, complete, written));
    }

    /**
     * @param since    where the window starts, in epoch milliseconds: the requested start rounded down to the router's
     *                 second (or the oldest retained second)
     * @param until    when the samples were read, in epoch milliseconds
     * @param complete false when the requested start is older than the retained ten minutes
     */
    record SamplesJson(long since, long until, boolean complete, List<RevisionJson> revisions) {
    }

    /**
     * @param requests       every request the revision answered in the window (exact)
     * @param latencyMicros  sampled requests' latencies, microseconds from the request head to the last response byte
     *                       handed to the client
     * @param statusClasses  the same requests' status classes (2..5), pair by pair with {@code latencyMicros}
     */
    record RevisionJson(String revision, long requests, long status2xx, long status3xx, long status4xx, long status5xx,
                        long[] latencyMicros, int[] statusClasses) {
    }
}
