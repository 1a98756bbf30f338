package dev.slipway.controller.analysis;

import dev.slipway.analysis.run.AnalysisRun;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.AnalysisStatusJson;
import dev.slipway.analysis.run.Measurement;
import dev.slipway.analysis.run.MeasurerFactory;
import dev.slipway.analysis.run.MetricStatus;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.event.RolloutEvents;
import dev.slipway.controller.store.Store;
import dev.slipway.model.AnalysisRunSpec;
import dev.slipway.model.support.DaemonThreads;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The analyses of one rollout: starts them (or resumes them from the store after a crash), ticks them, stores
 * every status in the same store as the rollout, and emits each new measurement as a {@link RolloutEvent}. Step analyses
 * run to their end; the background analysis is ticked by whoever drives the rollout and stopped when it ends.
 */
public final class RolloutAnalyses implements AutoCloseable {
    private static final Duration TICK = Duration.ofMillis(200);

    private final MeasurerFactory factory;
    private final Store store;
    private final Clock clock;
    private final RolloutEvents events;
    private final ExecutorService measurements = Executors.newCachedThreadPool(DaemonThreads.named("slipway-measurement"));
    private final Map<String, AnalysisRun> running = new LinkedHashMap<>();
    private final Map<String, AnalysisStatus> latest = new LinkedHashMap<>();
    private final Map<String, Integer> reported = new LinkedHashMap<>();
    private long rolloutId;
    private Map<String, String> stored = Map.of();

    public RolloutAnalyses(MeasurerFactory factory, Store store, Clock clock, RolloutEvents events) {
        this.factory = factory;
        this.store = store;
        this.clock = clock;
        this.events = events;
    }

    /** Starts following a rollout; statuses it stored before (a restarted controller) are picked up again. */
    public synchronized void begin(long rollout) {
        if (rollout == rolloutId) {
            return;
        }
        stopAll("a new rollout began");
        rolloutId = rollout;
        latest.clear();
        reported.clear();
        stored = new LinkedHashMap<>(store.analyses(rollout));
        stored.forEach((name, json) -> {
            AnalysisStatus status = AnalysisStatusJson.read(json);
            latest.put(name, status);
            reported.put(name, measurementsSeen(status));
            status.metrics().forEach(metric -> reported.put(name + "/" + metric.name(), metric.measured() + metric.errors()));
        });
    }

    /**
     * Runs a step's analysis to its end and returns its final status; a status already finished in the store is
     * returned as it is (the step is not measured twice). Returns early, stopped, when {@code stop} turns true.
     */
    public AnalysisStatus runToEnd(String name, AnalysisRunSpec spec, Map<String, String> builtIns, BooleanSupplier stop) {
        start(name, spec, builtIns);
        while (true) {
            AnalysisStatus status = tick(name);
            if (status.phase().finished()) {
                return status;
            }
            if (stop.getAsBoolean()) {
                return stop(name, "the rollout stopped");
            }
            try {
                Thread.sleep(TICK.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return stop(name, "interrupted");
            }
        }
    }

    /** Starts (or resumes) an analysis that the caller ticks; a finished stored one stays finished. */
    public synchronized void start(String name, AnalysisRunSpec spec, Map<String, String> builtIns) {
        if (running.containsKey(name)) {
            return;
        }
        AnalysisStatus before = latest.get(name);
        if (before != null && before.phase().finished()) {
            return;
        }
        AnalysisRun run = before == null
                ? new AnalysisRun(name, spec, builtIns, factory, clock, measurements)
                : AnalysisRun.resume(before, spec, builtIns, factory, clock, measurements);
        if (before == null) {
            events.emit(new RolloutEvent.AnalysisStarted(name, spec.describe()));
        }
        running.put(name, run);
        save(name, run.status());
    }

    /** Takes due measurements of a started analysis and returns where it stands. */
    public synchronized AnalysisStatus tick(String name) {
        AnalysisRun run = running.get(name);
        if (run == null) {
            return Optional.ofNullable(latest.get(name)).orElseThrow(() ->
                    new IllegalStateException("analysis " + name + " was never started"));
        }
        AnalysisStatus status = run.tick();
        save(name, status);
        if (status.phase().finished()) {
            running.remove(name).close();
            events.emit(new RolloutEvent.AnalysisEnded(name, status));
        }
        return status;
    }

    /** Stops an analysis that has not finished (the rollout ended, or moved past it). */
    public synchronized AnalysisStatus stop(String name, String why) {
        AnalysisRun run = running.remove(name);
        if (run == null) {
            return latest.get(name);
        }
        AnalysisStatus status = run.stop(why);
        save(name, status);
        return status;
    }

    public synchronized void stopAll(String why) {
        for (String name : new ArrayList<>(running.keySet())) {
            stop(name, why);
        }
    }

    /** Every analysis of the current rollout, as last stored: for status, the API and the dashboard. */
    public synchronized List<AnalysisStatus> statuses() {
        return List.copyOf(latest.values());
    }

    private void save(String name, AnalysisStatus status) {
        latest.put(name, status);
        int seen = measurementsSeen(status);
        int before = reported.getOrDefault(name, 0);
        if (seen > before) {
            for (MetricStatus metric : status.metrics()) {
                List<Measurement> kept = metric.measurements();
                int taken = metric.measured() + metric.errors();
                int fresh = Math.min(kept.size(), taken - reportedOf(name, metric.name()));
                for (Measurement measurement : kept.subList(kept.size() - Math.max(0, fresh), kept.size())) {
                    events.emit(new RolloutEvent.AnalysisMeasured(name, metric.name(), metric.dryRun(), measurement));
                }
                reported.put(name + "/" + metric.name(), taken);
            }
            reported.put(name, seen);
        }
        if (rolloutId != 0) {
            store.saveAnalysis(rolloutId, name, AnalysisStatusJson.write(status));
        }
    }

    private int reportedOf(String name, String metric) {
        return reported.getOrDefault(name + "/" + metric, 0);
    }

    private static int measurementsSeen(AnalysisStatus status) {
        return status.metrics().stream().mapToInt(metric -> metric.measured() + metric.errors()).sum();
    }

    @Override
    public synchronized void close() {
        stopAll("the controller stopped");
        measurements.shutdownNow();
    }
}
