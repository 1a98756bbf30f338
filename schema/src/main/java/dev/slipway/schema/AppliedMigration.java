package dev.slipway.schema;

import java.time.Instant;
import java.util.Optional;

/** One row of the migration history ({@code slipway.migrations}). */
public record AppliedMigration(int version, String name, String description, String checksum, String state,
                               Instant startedAt, Optional<Instant> completedAt, Optional<Long> durationMillis,
                               String appliedBy, Optional<String> error) {
    public static final String STARTED = "started";
    public static final String COMPLETED = "completed";
    public static final String ROLLED_BACK = "rolled_back";
    public static final String FAILED = "failed";
}
