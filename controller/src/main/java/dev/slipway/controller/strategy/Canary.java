package dev.slipway.controller.strategy;

import dev.slipway.analysis.Verdict;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.Phase;
import dev.slipway.model.AnalysisRunSpec;
import dev.slipway.model.BackgroundAnalysis;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.Durations;
import dev.slipway.model.StrategySpec;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The canary strategy: runs the steps in order from where the rollout stands, persisting each completed
 * step, and ends PROMOTED when every step passed or ABORTED at the first failure. The canary runs at the
 * release's full size unless a {@code setCanaryScale} step says otherwise.
 */
public final class Canary implements Strategy {
    private final List<CanaryStep> steps;
    private final Optional<BackgroundAnalysis> background;
    private final int replicas;
    private final Clock clock;

    public Canary(StrategySpec.Canary spec, int replicas, Clock clock) {
        this.steps = spec.steps();
        this.background = spec.analysis();
        this.replicas = replicas;
        this.clock = clock;
    }

    @Override
    public RolloutRecord run(RolloutRecord rollout, RolloutActions actions) {
        RolloutRecord current = rollout;
        // Replaying the scale steps already taken gives the size to restore after a crash.
        Optional<String> scaled = actions.scaleNew(scaleBefore(rollout.stepIndex(), rollout.canaryWeight()));
        if (scaled.isPresent()) {
            return abort(current, "canary never became ready: " + scaled.get());
        }
        for (int index = rollout.stepIndex(); index < steps.size(); index++) {
            Optional<String> stop = actions.stopReason();
            if (stop.isPresent()) {
                return abort(current, stop.get());
            }
            if (actions.fullPromotionRequested()) {
                return current.withProgress(RolloutPhase.PROMOTED, steps.size(), 100, "promoted in full on request",
                        clock.instant());
            }
            if (background.isPresent() && index >= background.get().startingStep()) {
                actions.startBackground(background.get().run());
            }
            Optional<AnalysisStatus> unsure = actions.backgroundInconclusive();
            if (unsure.isPresent()) {
                String why = "background analysis inconclusive (" + unsure.get().message() + "): paused until promoted";
                current = actions.transition(current.withProgress(RolloutPhase.PAUSED, index, current.canaryWeight(),
                        why, clock.instant()), why);
                if (!actions.pause(Optional.empty())) {
                    return abort(current, actions.stopReason().orElse("aborted"));
                }
            }
            CanaryStep step = steps.get(index);
            int next = index + 1;
            if (step instanceof CanaryStep.SetWeight setWeight) {
                if (matchesTrafficWeight(index)) {
                    Optional<String> failed = actions.scaleNew(matchingScale(setWeight.percent()));
                    if (failed.isPresent()) {
                        return abort(current, failed.get());
                    }
                }
                actions.setWeight(setWeight.percent());
                current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, next,
                        setWeight.percent(), "", clock.instant()), "setWeight " + setWeight.percent() + "%");
            } else if (step instanceof CanaryStep.SetCanaryScale scale) {
                Optional<String> failed = actions.scaleNew(scaleOf(scale, current.canaryWeight()));
                if (failed.isPresent()) {
                    return abort(current, failed.get());
                }
                current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, next,
                        current.canaryWeight(), "", clock.instant()),
                        "setCanaryScale " + scaleOf(scale, current.canaryWeight()) + " replicas");
            } else if (step instanceof CanaryStep.SetHeaderRoute route) {
                actions.setHeaderRoute(route.name(), route.value());
                current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, next,
                        current.canaryWeight(), "", clock.instant()),
                        "setHeaderRoute " + route.name() + "=" + route.value());
            } else if (step instanceof CanaryStep.Pause pause) {
                String what = pause.duration().map(d -> "pause " + Durations.format(d)).orElse("pause until promoted");
                current = actions.transition(current.withProgress(RolloutPhase.PAUSED, index,
                        current.canaryWeight(), what, clock.instant()), what);
                if (!actions.pause(pause.duration())) {
                    return abort(current, actions.stopReason().orElse("aborted during pause"));
                }
                current = current.withProgress(RolloutPhase.PROGRESSING, next, current.canaryWeight(), "",
                        clock.instant());
            } else if (step instanceof CanaryStep.TemplateAnalysis analysis) {
                AnalysisOutcome outcome = analyze(current, index, next, "step " + (index + 1) + ": "
                        + analysis.run().describe(), analysis.run(), actions);
                if (outcome.aborted() != null) {
                    return outcome.aborted();
                }
                current = outcome.current();
            } else if (step instanceof CanaryStep.Experiment experiment) {
                int size = experiment.replicas().orElse(Math.max(1, actions.readyNew()));
                Optional<String> failed = actions.startBaseline(size);
                if (failed.isPresent()) {
                    actions.stopBaseline();
                    return abort(current, "experiment baseline never became ready: " + failed.get());
                }
                current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, index,
                        current.canaryWeight(), "", clock.instant()), "experiment: " + size
                        + " baseline replicas of the stable release at the canary's weight");
                if (experiment.analyses().isEmpty()) {
                    if (!actions.pause(experiment.duration())) {
                        actions.stopBaseline();
                        return abort(current, actions.stopReason().orElse("aborted during the experiment"));
                    }
                }
                for (int i = 0; i < experiment.analyses().size(); i++) {
                    AnalysisRunSpec run = experiment.analyses().get(i);
                    AnalysisOutcome outcome = analyze(current, index, index, "step " + (index + 1) + " experiment"
                            + (experiment.analyses().size() > 1 ? " " + (i + 1) : "") + ": " + run.describe(), run, actions);
                    if (outcome.aborted() != null) {
                        actions.stopBaseline();
                        return outcome.aborted();
                    }
                    current = outcome.current();
                }
                actions.stopBaseline();
                current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, next,
                        current.canaryWeight(), "", clock.instant()), "experiment ended: baseline removed");
            } else if (step instanceof CanaryStep.Analysis analysis) {
                Verdict verdict = actions.analyze(analysis.spec());
                if (verdict.outcome() == Verdict.Outcome.FAIL) {
                    return abort(current, "analysis failed: " + verdict.reason());
                }
                if (verdict.outcome() == Verdict.Outcome.INCONCLUSIVE) {
                    // Never a pass: wait for a human, like an indefinite pause.
                    String why = "analysis inconclusive (" + verdict.reason() + "): paused until promoted";
                    current = actions.transition(current.withProgress(RolloutPhase.PAUSED, index,
                            current.canaryWeight(), why, clock.instant()), why);
                    if (!actions.pause(Optional.empty())) {
                        return abort(current, actions.stopReason().orElse("aborted"));
                    }
                }
                current = actions.transition(current.withProgress(RolloutPhase.PROGRESSING, next,
                        current.canaryWeight(), verdict.reason(), clock.instant()),
                        "analysis passed: " + verdict.reason());
            }
        }
        return current.withProgress(RolloutPhase.PROMOTED, steps.size(), 100, "all steps passed", clock.instant());
    }

    /** Where an analysis step left the rollout: moved on ({@code current}), or ended ({@code aborted}). */
    private record AnalysisOutcome(RolloutRecord current, RolloutRecord aborted) {
    }

    /**
     * Runs one analysis of a step: failed or error aborts; inconclusive pauses until promoted (or aborted);
     * successful moves on. A dry run never aborts or pauses (the analysis run sees to that).
     */
    private AnalysisOutcome analyze(RolloutRecord current, int index, int nextIndex, String name, AnalysisRunSpec run,
                                    RolloutActions actions) {
        AnalysisStatus status = actions.analyze(name, run);
        Optional<String> stop = actions.stopReason();
        if (stop.isPresent()) {
            return new AnalysisOutcome(current, abort(current, stop.get()));
        }
        if (status.phase() == Phase.FAILED || status.phase() == Phase.ERROR) {
            return new AnalysisOutcome(current, abort(current, "analysis " + name + " "
                    + status.phase().name().toLowerCase() + ": " + status.message()));
        }
        RolloutRecord moved = current;
        if (status.phase() == Phase.INCONCLUSIVE) {
            String why = "analysis " + name + " inconclusive (" + status.message() + "): paused until promoted";
            moved = actions.transition(current.withProgress(RolloutPhase.PAUSED, index, current.canaryWeight(), why,
                    clock.instant()), why);
            if (!actions.pause(Optional.empty())) {
                return new AnalysisOutcome(moved, abort(moved, actions.stopReason().orElse("aborted")));
            }
        }
        String passed = "analysis " + name + " " + (status.phase() == Phase.INCONCLUSIVE ? "promoted by hand"
                : "passed: " + status.message());
        moved = actions.transition(moved.withProgress(RolloutPhase.PROGRESSING, nextIndex, moved.canaryWeight(), "",
                clock.instant()), passed);
        return new AnalysisOutcome(moved, null);
    }

    /** The canary's size before step {@code index}: full unless a setCanaryScale step came earlier (or first). */
    int scaleBefore(int index, int weight) {
        Integer size = null;
        for (int i = 0; i < Math.min(index, steps.size()); i++) {
            if (steps.get(i) instanceof CanaryStep.SetCanaryScale scale) {
                size = scaleOf(scale, weight);
            }
        }
        if (size != null) {
            return size;
        }
        if (index < steps.size() && steps.get(index) instanceof CanaryStep.SetCanaryScale scale) {
            return scaleOf(scale, weight);
        }
        return matchesTrafficWeight(index) ? matchingScale(weight) : replicas;
    }

    private boolean matchesTrafficWeight(int index) {
        for (int i = Math.min(index, steps.size() - 1); i >= 0; i--) {
            if (steps.get(i) instanceof CanaryStep.SetCanaryScale scale) {
                return scale.replicas().isEmpty() && scale.percent().isEmpty();
            }
        }
        return false;
    }

    private int scaleOf(CanaryStep.SetCanaryScale scale, int weight) {
        return scale.replicas().orElseGet(() -> scale.percent().map(this::matchingScale).orElse(matchingScale(weight)));
    }

    /** At least one replica, else the share of the release's replicas that the weight asks for. */
    private int matchingScale(int percent) {
        return Math.max(1, (int) Math.ceil(replicas * percent / 100.0));
    }

    private RolloutRecord abort(RolloutRecord current, String why) {
        return current.withProgress(RolloutPhase.ABORTED, current.stepIndex(), 0, why, clock.instant());
    }
}
