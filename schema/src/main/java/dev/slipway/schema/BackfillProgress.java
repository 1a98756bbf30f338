package dev.slipway.schema;

import java.time.Duration;

/**
 * Progress of the backfill of one table, reported after every batch. {@code total} is counted at the start; the last
 * report has {@code total == done}, with one more report when the walk is over if the count at the start was more
 * than the rows the backfill wrote (rows that writers brought up to date meanwhile, or deleted, needed no batch).
 */
public record BackfillProgress(String table, long done, long total, double rowsPerSecond, Duration eta) {
}
