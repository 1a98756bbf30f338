package dev.slipway.image;

/** Receives progress of a build or push, e.g. to draw a progress bar. Called from jib's worker threads. */
@FunctionalInterface
public interface ProgressListener {
    void onProgress(ProgressUpdate update);

    static ProgressListener none() {
        return update -> { };
    }
}
