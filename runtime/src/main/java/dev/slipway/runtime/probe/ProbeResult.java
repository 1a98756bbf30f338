package dev.slipway.runtime.probe;

/** What one HTTP probe of a replica found. */
public enum ProbeResult {
    /** A 2xx answer. */
    PASSED,
    /** No answer in time, a refused connection, or a status other than 2xx and 404. */
    FAILED,
    /**
     * 404: the app's HTTP server runs but serves no such path. Waiting does not fix that (the spec names the wrong
     * path, or an app that knows nothing of Slipway has none), so the lifecycle treats it apart from a failure.
     */
    NOT_FOUND;

    public boolean passed() {
        return this == PASSED;
    }
}
