package dev.slipway.controller.store;

import java.util.List;
import java.util.Map;
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

    /** The newest rollout that made {@code version} stable, if any. */
    Optional<RolloutRecord> latestPromotion(String service, String version);

    /** Keeps how to run a release (YAML as {@code SpecWriter} writes it), so a restarted controller can adopt it. */
    void saveRelease(String service, String version, String releaseYaml);

    /** The release stored under that version, if any. */
    Optional<String> release(String service, String version);

    /** Keeps the status of one analysis of a rollout (JSON), replacing the one stored under that name before. */
    void saveAnalysis(long rolloutId, String name, String statusJson);

    /** The analyses of a rollout by name, in the order they began. */
    Map<String, String> analyses(long rolloutId);

    /** Appends to the audit history. */
    void audit(AuditEntry entry);

    /** The newest entries first. */
    List<AuditEntry> history(String service, int limit);
}
