package dev.slipway.schema.op;

/**
 * One column of a table as a schema version sees it. {@code physicalName} is the column of the base table behind
 * the versioned view (the same as {@code name} except while an operation keeps a temporary physical column).
 */
public record ColumnSnapshot(String name, String physicalName, String type, boolean nullable, String defaultValue) {
    public ColumnSnapshot renamed(String newName) {
        return new ColumnSnapshot(newName, newName, type, nullable, defaultValue);
    }
}
