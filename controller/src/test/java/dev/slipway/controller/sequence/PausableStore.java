package dev.slipway.controller.sequence;

import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The real store, with one fault a test can switch on: an audit write that takes as long as the test wants (a slow
 * database at the wrong moment), so that whatever the writing thread holds stays held meanwhile.
 */
final class PausableStore implements Store {
    private final Store store;
    private volatile Predicate<AuditEntry> holdWhen = entry -> false;
    private volatile Hold hold = new Hold();

    PausableStore(Store store) {
        this.store = store;
    }

    /** The next audit write that matches {@code when} waits until the returned hold is released. */
    Hold holdAudit(Predicate<AuditEntry> when) {
        Hold next = new Hold();
        hold = next;
        holdWhen = when;
        return next;
    }

    @Override
    public void audit(AuditEntry entry) {
        if (holdWhen.test(entry)) {
            hold.arrive();
        }
        store.audit(entry);
    }

    @Override
    public void init() {
        store.init();
    }

    @Override
    public RolloutRecord save(RolloutRecord rollout) {
        return store.save(rollout);
    }

    @Override
    public Optional<RolloutRecord> latestRollout(String service) {
        return store.latestRollout(service);
    }

    @Override
    public Optional<RolloutRecord> latestPromotion(String service, String version) {
        return store.latestPromotion(service, version);
    }

    @Override
    public void saveRelease(String service, String version, String releaseYaml) {
        store.saveRelease(service, version, releaseYaml);
    }

    @Override
    public Optional<String> release(String service, String version) {
        return store.release(service, version);
    }

    @Override
    public void saveAnalysis(long rolloutId, String name, String statusJson) {
        store.saveAnalysis(rolloutId, name, statusJson);
    }

    @Override
    public java.util.Map<String, String> analyses(long rolloutId) {
        return store.analyses(rolloutId);
    }

    @Override
    public List<AuditEntry> history(String service, int limit) {
        return store.history(service, limit);
    }
}
