package dev.slipway.schema;

/**
 * One thing {@link SchemaEngine#validate} found wrong with a migrations directory, written for the user.
 * {@code file} is the file name (or the recorded one, for a missing file), {@code version} 0 when unknown.
 */
public record ValidationProblem(String file, int version, Kind kind, String message) {
    /** What kind of problem, so callers can decide which ones stop them. */
    public enum Kind {
        /** The file does not parse. */
        UNREADABLE,
        /** Two files carry the same version. */
        DUPLICATE_VERSION,
        /** An applied (or in-flight) migration's file differs from what was applied: see {@code repair}. */
        CHANGED,
        /** An applied migration's file is gone from the directory. */
        MISSING_FILE,
        /** A pending file's version is below the applied version: it would never run. */
        IGNORED,
        /** The next pending migration does not fit the live schema (an operation or an expression). */
        INVALID
    }
}
