package dev.slipway.analysis.run;

/**
 * Takes the measurements of one metric in one analysis run. One instance per metric per run, so it may remember
 * what it saw last (a window starts where the previous measurement ended).
 */
public interface Measurer extends AutoCloseable {

    /**
     * Measures now. May block (a query, a job, a sampling window), but never longer than the provider's timeout.
     *
     * @throws Exception when the measurement cannot be taken: it becomes an error that counts toward
     *                   {@code consecutiveErrorLimit}, never a pass
     */
    Observation measure() throws Exception;

    @Override
    default void close() {
    }
}
