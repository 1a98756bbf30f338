package dev.slipway.schema;

import java.util.Optional;

/**
 * What {@link SchemaEngine#repair} changed: the checksum recorded before and after (empty when the version was
 * never applied and only failed attempts were removed) and how many failed attempts were removed.
 */
public record RepairResult(int version, Optional<String> previousChecksum, Optional<String> checksum, int removedFailedAttempts) {
}
