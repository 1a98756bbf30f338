package dev.slipway.controller.sequence;

import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.controller.store.Store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** The store in memory, for tests of one part that need no PostgreSQL; same contract as {@code JdbcStore}. */
public final class InMemoryStore implements Store {
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, RolloutRecord> rollouts = new ConcurrentHashMap<>();
    private final Map<String, String> releases = new ConcurrentHashMap<>();
    private final List<AuditEntry> audit = new CopyOnWriteArrayList<>();
    private final Map<Long, Map<String, String>> analyses = new ConcurrentHashMap<>();

    @Override
    public void init() {
    }

    @Override
    public void saveAnalysis(long rolloutId, String name, String statusJson) {
        analyses.computeIfAbsent(rolloutId, id -> java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>()))
                .put(name, statusJson);
    }

    @Override
    public Map<String, String> analyses(long rolloutId) {
        Map<String, String> stored = analyses.getOrDefault(rolloutId, Map.of());
        synchronized (stored) {
            return new java.util.LinkedHashMap<>(stored);
        }
    }

    @Override
    public RolloutRecord save(RolloutRecord rollout) {
        RolloutRecord saved = rollout.id() == 0 ? rollout.withId(ids.incrementAndGet()) : rollout;
        rollouts.put(saved.id(), saved);
        return saved;
    }

    @Override
    public Optional<RolloutRecord> latestRollout(String service) {
        return rollouts.values().stream().filter(r -> r.service().equals(service))
                .max(Comparator.comparingLong(RolloutRecord::id));
    }

    @Override
    public Optional<RolloutRecord> latestPromotion(String service, String version) {
        return rollouts.values().stream().filter(r -> r.service().equals(service) && r.toVersion().equals(version)
                && r.phase() == RolloutPhase.PROMOTED).max(Comparator.comparingLong(RolloutRecord::id));
    }

    @Override
    public void saveRelease(String service, String version, String releaseYaml) {
        releases.put(service + "/" + version, releaseYaml);
    }

    @Override
    public Optional<String> release(String service, String version) {
        return Optional.ofNullable(releases.get(service + "/" + version));
    }

    @Override
    public void audit(AuditEntry entry) {
        audit.add(entry);
    }

    @Override
    public List<AuditEntry> history(String service, int limit) {
        List<AuditEntry> newestFirst = new ArrayList<>(audit.stream().filter(e -> e.service().equals(service)).toList());
        java.util.Collections.reverse(newestFirst);
        return newestFirst.subList(0, Math.min(limit, newestFirst.size()));
    }
}
