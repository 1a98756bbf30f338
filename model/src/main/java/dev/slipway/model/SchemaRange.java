package dev.slipway.model;

import java.util.Collection;

/**
 * The schema versions a release's binary can work with, inclusive on both ends: {@code schema: [1, 2]}.
 */
public record SchemaRange(int min, int max) {
    public SchemaRange {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("schema range [" + min + ", " + max + "] is empty or negative");
        }
    }

    public static SchemaRange only(int version) {
        return new SchemaRange(version, version);
    }

    public boolean reads(int version) {
        return version >= min && version <= max;
    }

    /** True when the binary can read at least one of the versions in a schema state. */
    public boolean readsAnyOf(Collection<Integer> schemaState) {
        return schemaState.stream().anyMatch(this::reads);
    }

    /** The newest version of the state this binary reads; the view it should connect to. */
    public int newestReadable(Collection<Integer> schemaState) {
        return schemaState.stream().filter(this::reads).mapToInt(Integer::intValue).max()
                .orElseThrow(() -> new IllegalStateException("schema " + this + " reads none of " + schemaState));
    }

    @Override
    public String toString() {
        return "[" + min + ", " + max + "]";
    }
}
