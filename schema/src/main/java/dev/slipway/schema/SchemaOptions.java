package dev.slipway.schema;

import java.time.Duration;

/**
 * How the engine treats the live database. {@code lockTimeout} bounds every DDL statement's wait for its lock;
 * {@code lockRetryBudget} bounds the total time spent retrying (exponential backoff with jitter);
 * {@code backfillBatchSize} rows per backfill transaction, {@code backfillDelay} pause between batches,
 * {@code maxRowsPerSecond} (0 = unlimited) a throughput cap; {@code actor} is recorded as applied_by.
 */
public record SchemaOptions(Duration lockTimeout, Duration lockRetryBudget, int backfillBatchSize,
                            Duration backfillDelay, long maxRowsPerSecond, String actor) {

    public SchemaOptions {
        if (lockTimeout.isNegative() || lockTimeout.isZero()) throw new IllegalArgumentException("lockTimeout must be positive");
        if (backfillBatchSize < 1) throw new IllegalArgumentException("backfillBatchSize must be at least 1");
        if (maxRowsPerSecond < 0) throw new IllegalArgumentException("maxRowsPerSecond must not be negative");
    }

    public static SchemaOptions defaults() {
        return new SchemaOptions(Duration.ofMillis(500), Duration.ofSeconds(30), 10_000, Duration.ZERO, 0,
                System.getProperty("user.name", "slipway"));
    }

    public SchemaOptions withLockTimeout(Duration value) {
        return new SchemaOptions(value, lockRetryBudget, backfillBatchSize, backfillDelay, maxRowsPerSecond, actor);
    }

    public SchemaOptions withLockRetryBudget(Duration value) {
        return new SchemaOptions(lockTimeout, value, backfillBatchSize, backfillDelay, maxRowsPerSecond, actor);
    }

    public SchemaOptions withBackfillBatchSize(int value) {
        return new SchemaOptions(lockTimeout, lockRetryBudget, value, backfillDelay, maxRowsPerSecond, actor);
    }

    public SchemaOptions withBackfillDelay(Duration value) {
        return new SchemaOptions(lockTimeout, lockRetryBudget, backfillBatchSize, value, maxRowsPerSecond, actor);
    }

    public SchemaOptions withMaxRowsPerSecond(long value) {
        return new SchemaOptions(lockTimeout, lockRetryBudget, backfillBatchSize, backfillDelay, value, actor);
    }

    public SchemaOptions withActor(String value) {
        return new SchemaOptions(lockTimeout, lockRetryBudget, backfillBatchSize, backfillDelay, maxRowsPerSecond, value);
    }
}
