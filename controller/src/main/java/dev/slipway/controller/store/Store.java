package dev.slipway.controller.store;

import java.util.List;
import java.util.Optional;

/**
 * Desired and observed state of rollouts plus the audit history. Each call is one transaction, so a
 * controller that dies between two calls resumes from the last recorded transition.
 */
public interface Store {

    /** Creates what the store needs; idempotent. */
    void init();

    /** Inserts (id 0) or updates a rollout; returns it with its id. */
    RolloutRecord save(RolloutRecord rollout);

    /** The newest rollout of a service, finished or not. */
    Optional<RolloutRecord> latestRollout(String service);

    /** Appends to the audit history. */
    void audit(AuditEntry entry);

    /** The newest entries first. */
    List<AuditEntry> history(String service, int limit);
}
