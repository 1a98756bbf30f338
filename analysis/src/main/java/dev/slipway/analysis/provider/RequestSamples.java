package dev.slipway.analysis.provider;

import java.io.IOException;

/**
 * Per-request observations of revisions, as the router keeps them: a bounded sample of request latencies and the
 * counts of all requests and failures. Stateful: each call returns what happened since the previous call for the
 * same revision on the same object (since the object was made, for the first), so one object serves one metric.
 */
public interface RequestSamples {

    /** One revision's requests over a window. */
    record Window(double[] latenciesMillis, long requests, long errors) {
    }

    Window next(String revision) throws IOException;
}
