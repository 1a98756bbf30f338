package dev.slipway.schema;

/**
 * The migration started but neither completed nor rolled back. Phase: {@code expanding} (DDL running),
 * {@code backfilling}, or {@code expanded} (both versions readable, ready to complete).
 */
public record InFlight(int version, String name, String phase) {
    public static final String EXPANDING = "expanding";
    public static final String BACKFILLING = "backfilling";
    public static final String EXPANDED = "expanded";
}
