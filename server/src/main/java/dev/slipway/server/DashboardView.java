package dev.slipway.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.store.AuditEntry;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.AnalysisSpec;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.Durations;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.StrategySpec;
import dev.slipway.schema.BackfillProgress;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The dashboard's snapshot, one JSON document: the API's status plus what only the page needs — the strategy's
 * steps (the current one is {@code status.rollout.step}), when a timed pause ends, the analysis limits, the
 * backfill's progress, the audit log and the chart series.
 */
final class DashboardView {
    /** The chart shows the last three minutes of one-second ticks. */
    static final int CHART_POINTS = 180;

    private DashboardView() {
    }

    /** The parts of one snapshot, gathered by the server on the stream's ticker thread. */
    record Parts(ServiceStatus status, Optional<ReleaseSpec> rolloutRelease, List<AuditEntry> history,
                 List<LiveSeries.Point> series, Optional<Backfill> backfill, Instant now) {
    }

    /** The last backfill progress of a schema start made through this API, and when it was reported. */
    record Backfill(BackfillProgress progress, Instant at, boolean running) {
    }

    static ObjectNode snapshot(Parts parts) {
        ObjectNode node = JsonViews.JSON.createObjectNode();
        Optional<List<CanaryStep>> steps = parts.rolloutRelease().map(ReleaseSpec::strategy)
                .filter(StrategySpec.Canary.class::isInstance).map(strategy -> ((StrategySpec.Canary) strategy).steps());
        node.put("now", parts.now().toString());
        node.set("status", JsonViews.status(parts.status()));
        node.put("strategy", parts.rolloutRelease().map(release -> strategyName(release.strategy())).orElse(null));
        ArrayNode stepArray = node.putArray("steps");
        steps.ifPresent(list -> list.forEach(step -> stepArray.add(describe(step))));
        Optional<RolloutRecord> rollout = parts.status().rollout();
        node.put("pauseEndsAt", rollout.flatMap(r -> pauseEnd(r, steps)).map(Instant::toString).orElse(null));
        node.set("limits", steps.flatMap(DashboardView::limits).orElse(null));
        node.set("backfill", parts.backfill().map(DashboardView::backfill).orElse(null));
        node.set("history", JsonViews.history(parts.history()).get("entries"));
        ArrayNode series = node.putArray("series");
        List<LiveSeries.Point> points = parts.series();
        for (LiveSeries.Point point : points.subList(Math.max(0, points.size() - CHART_POINTS), points.size())) {
            ObjectNode p = series.addObject();
            p.put("at", point.at().toEpochMilli());
            ObjectNode weights = p.putObject("weights");
            point.weights().forEach(weights::put);
            ObjectNode versions = p.putObject("versions");
            for (Map.Entry<String, LiveSeries.Measurement> entry : point.versions().entrySet()) {
                ObjectNode m = versions.putObject(entry.getKey());
                m.put("requests", entry.getValue().requests());
                m.put("errorRate", entry.getValue().errorRate());
                m.put("p99", entry.getValue().p99Millis().orElse(null));
            }
        }
        return node;
    }

    /** A step as the page lists it, e.g. {@code setWeight 20%} or {@code pause until promoted}. */
    static String describe(CanaryStep step) {
        if (step instanceof CanaryStep.SetWeight weight) {
            return "setWeight " + weight.percent() + "%";
        }
        if (step instanceof CanaryStep.Pause pause) {
            return pause.duration().map(d -> "pause " + Durations.format(d)).orElse("pause until promoted");
        }
        if (step instanceof CanaryStep.Analysis analysis) {
            AnalysisSpec spec = analysis.spec();
            return "analysis: errors ≤ " + percent(spec.errorRateMax())
                    + spec.latencyP99Max().map(max -> ", p99 ≤ " + Durations.format(max)).orElse("")
                    + ", ≥ " + spec.minRequests() + " requests";
        }
        if (step instanceof CanaryStep.SetHeaderRoute route) {
            return "setHeaderRoute " + route.name() + ": " + route.value();
        }
        CanaryStep.SetCanaryScale scale = (CanaryStep.SetCanaryScale) step;
        return "setCanaryScale " + scale.replicas().map(r -> r + " replicas")
                .or(() -> scale.percent().map(p -> p + "%")).orElse("matching the traffic weight");
    }

    /** A paused canary's timed pause ends at the moment the pause was entered plus its duration. */
    private static Optional<Instant> pauseEnd(RolloutRecord rollout, Optional<List<CanaryStep>> steps) {
        if (rollout.phase() != RolloutPhase.PAUSED || steps.isEmpty() || rollout.updatedAt() == null
                || rollout.stepIndex() >= steps.get().size()) {
            return Optional.empty();
        }
        if (steps.get().get(rollout.stepIndex()) instanceof CanaryStep.Pause pause) {
            return pause.duration().map(rollout.updatedAt()::plus);
        }
        return Optional.empty();
    }

    /** The strictest limits of the canary's analysis steps: what the chart draws as its red lines. */
    private static Optional<ObjectNode> limits(List<CanaryStep> steps) {
        Double errorRate = null;
        Long latency = null;
        for (CanaryStep step : steps) {
            if (step instanceof CanaryStep.Analysis analysis) {
                AnalysisSpec spec = analysis.spec();
                errorRate = errorRate == null ? spec.errorRateMax() : Math.min(errorRate, spec.errorRateMax());
                if (spec.latencyP99Max().isPresent()) {
                    long millis = spec.latencyP99Max().get().toMillis();
                    latency = latency == null ? millis : Math.min(latency, millis);
                }
            }
        }
        if (errorRate == null) {
            return Optional.empty();
        }
        ObjectNode node = JsonViews.JSON.createObjectNode();
        node.put("errorRate", errorRate);
        node.put("latencyP99Millis", latency);
        return Optional.of(node);
    }

    private static ObjectNode backfill(Backfill backfill) {
        BackfillProgress progress = backfill.progress();
        ObjectNode node = JsonViews.JSON.createObjectNode();
        node.put("table", progress.table());
        node.put("done", progress.done());
        node.put("total", progress.total());
        node.put("rowsPerSecond", Math.round(progress.rowsPerSecond()));
        node.put("etaSeconds", progress.eta() == null ? null : progress.eta().toSeconds());
        node.put("at", backfill.at().toString());
        node.put("running", backfill.running());
        return node;
    }

    private static String strategyName(StrategySpec strategy) {
        if (strategy instanceof StrategySpec.Rolling) return "rolling";
        if (strategy instanceof StrategySpec.BlueGreen) return "blueGreen";
        return "canary";
    }

    private static String percent(double ratio) {
        return (Math.round(ratio * 10000) / 100.0) + "%";
    }
}
