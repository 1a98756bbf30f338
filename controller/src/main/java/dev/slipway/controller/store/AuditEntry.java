package dev.slipway.controller.store;

import java.time.Instant;

/** One line of the audit history: who asked for what, and what came of it. */
public record AuditEntry(Instant at, String service, String actor, String action, String outcome, String detail) {
}
