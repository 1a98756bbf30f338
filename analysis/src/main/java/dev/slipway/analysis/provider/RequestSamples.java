package dev.slipway.analysis.provider;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Per-request observations of revisions over a window, as the router keeps them: a bounded sample of request
 * latencies and the exact counts of requests and failures. Both revisions of a comparison are read in one call,
 * so they cover the same window.
 */
public interface RequestSamples {

    /** One revision's requests over a window. */
    record Window(double[] latenciesMillis, long requests, long errors) {
    }

    /** What each revision answered from {@code start} until now; a revision without requests has an empty window. */
    Map<String, Window> since(Instant start, List<String> revisions) throws IOException;
}
