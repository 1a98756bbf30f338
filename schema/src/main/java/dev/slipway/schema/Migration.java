package dev.slipway.schema;

import dev.slipway.schema.op.Operation;

import java.util.List;

/**
 * One parsed migration file. {@code file} is the file name used in messages, {@code checksum} the SHA-256 of its
 * bytes (recorded in history), {@code content} its text (kept so complete/rollback can run in a later process).
 */
public record Migration(String file, int version, String name, String description, String checksum, String content,
                        List<Operation> operations) {

    /** True when some operation has no expand phase: see {@link Operation#opaque()}. */
    public boolean opaque() {
        return operations.stream().anyMatch(Operation::opaque);
    }
}
