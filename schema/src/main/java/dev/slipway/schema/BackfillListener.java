package dev.slipway.schema;

/**
 * Receives backfill progress. An exception thrown from it interrupts the backfill; the position is already
 * persisted, so {@link SchemaEngine#resume} continues from there.
 */
@FunctionalInterface
public interface BackfillListener {
    BackfillListener NONE = progress -> { };

    void progress(BackfillProgress progress);
}
