package dev.slipway.controller.guard;

import dev.slipway.model.SchemaRange;

/** A binary the guard must keep working: a running revision or a rollback target. */
public record RevisionRef(String service, String version, SchemaRange schema, Role role) {

    public enum Role {
        STABLE("stable"), CANARY("canary"), ROLLBACK_TARGET("rollback target"), BASELINE("experiment baseline");

        private final String label;

        Role(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
