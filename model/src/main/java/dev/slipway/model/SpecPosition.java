package dev.slipway.model;

/**
 * Where a value was written in a spec, kept by records whose problems can only be seen later (a hook's program
 * that is missing on the controller's machine), so the error still points at the place.
 */
public record SpecPosition(String file, int line, int column, String path) {

    static SpecPosition of(SpecNode node) {
        return new SpecPosition(node.file(), node.line(), node.column(), node.path());
    }

    /** An error located here. */
    public SpecException error(String problem) {
        return new SpecException(file, line, column, path, problem);
    }
}
