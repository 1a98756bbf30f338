package dev.slipway.schema;

import java.time.Duration;

/** Progress of the backfill of one table, reported after every batch. {@code total} is counted at the start. */
public record BackfillProgress(String table, long done, long total, double rowsPerSecond, Duration eta) {
}
