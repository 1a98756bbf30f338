package dev.slipway.schema;

import dev.slipway.schema.op.Dialect;
import dev.slipway.schema.op.Operation;

import java.util.List;

/**
 * One parsed migration file. {@code file} is the file name used in messages, {@code checksum} the SHA-256 of its
 * bytes (recorded in history), {@code content} its text (kept so complete/rollback can run in a later process),
 * {@code dialect} whose spelling it was read in, {@code versionSchema} pgroll's {@code version_schema} (null when the
 * file has none): see {@link #mirrorSchema}.
 */
public record Migration(String file, int version, String name, String description, String checksum, String content,
                        List<Operation> operations, Dialect dialect, String versionSchema) {

    /** The same migration with other (bound) operations. */
    Migration withOperations(List<Operation> bound) {
        return new Migration(file, version, name, description, checksum, content, List.copyOf(bound), dialect,
                versionSchema);
    }

    /**
     * Where pgroll's clients look for this version ({@code <schema>_<version_schema>}, as pgroll names it), when the
     * file names one: a second schema of the same views as {@code <schema>_vN}, whose writers the sync triggers
     * take as the new version's. Empty without {@code version_schema}.
     */
    public java.util.Optional<String> mirrorSchema(String schema) {
        return java.util.Optional.ofNullable(versionSchema).map(name -> schema + "_" + name);
    }

    /** Every operation {@link Operation#bind bound} to the live catalog (complete, rollback and resume). */
    Migration bind(dev.slipway.schema.op.SchemaSnapshot catalog) {
        return withOperations(operations.stream().map(operation -> operation.bind(catalog)).toList());
    }

    /** True when some operation has no expand phase: see {@link Operation#opaque()}. */
    public boolean opaque() {
        return operations.stream().anyMatch(Operation::opaque);
    }
}
