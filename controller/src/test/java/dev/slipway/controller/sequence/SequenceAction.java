package dev.slipway.controller.sequence;

/**
 * One thing a user (or fate) does to a service: schema and rollout commands, some of them forced over the guard,
 * and controller crashes. Parameters are drawn up front and resolved against the service when the action runs
 * (the next schema version, a release's schema range around the current state).
 */
sealed interface SequenceAction {

    /** The command without its parameters, for statistics: "apply", "schema start --force", "crash + resume". */
    default String kind() {
        return this instanceof Apply ? "apply" : toString().replace(" (opaque)", "").replace(" --full", "");
    }

    /** Starts the next schema version: an expand migration, or an opaque one (raw SQL). */
    record SchemaStart(boolean opaque, boolean forced) implements SequenceAction {
        @Override
        public String toString() {
            return "schema start" + (opaque ? " (opaque)" : "") + (forced ? " --force" : "");
        }
    }

    record SchemaComplete(boolean forced) implements SequenceAction {
        @Override
        public String toString() {
            return "schema complete" + (forced ? " --force" : "");
        }
    }

    record SchemaRollback(boolean forced) implements SequenceAction {
        @Override
        public String toString() {
            return "schema rollback" + (forced ? " --force" : "");
        }
    }

    /**
     * Applies a new release reading {@code [low, low + width]} where {@code low} is the newest readable version
     * minus one plus {@code lowOffset}: sometimes behind the schema, sometimes on it, sometimes ahead of it.
     */
    record Apply(int lowOffset, int width, boolean pausing, boolean failing) implements SequenceAction {
        @Override
        public String toString() {
            return "apply [newest" + (lowOffset == 1 ? "" : lowOffset == 0 ? " - 1" : " + " + (lowOffset - 1))
                    + ", +" + width + "]" + (pausing ? " pausing" : "") + (failing ? " never-ready" : "");
        }
    }

    record Promote(boolean full) implements SequenceAction {
        @Override
        public String toString() {
            return full ? "promote --full" : "promote";
        }
    }

    record Abort() implements SequenceAction {
        @Override
        public String toString() {
            return "abort";
        }
    }

    record Retry() implements SequenceAction {
        @Override
        public String toString() {
            return "retry";
        }
    }

    record Undo(boolean forced) implements SequenceAction {
        @Override
        public String toString() {
            return "undo" + (forced ? " --force" : "");
        }
    }

    record Crash() implements SequenceAction {
        @Override
        public String toString() {
            return "crash + resume";
        }
    }
}
