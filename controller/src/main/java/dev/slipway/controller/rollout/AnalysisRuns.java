package dev.slipway.controller.rollout;

import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.Phase;
import dev.slipway.controller.analysis.RolloutAnalyses;
import dev.slipway.controller.loop.RolloutLoop;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.model.AnalysisRunSpec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The template analyses of one rollout, as its canary strategy asks for them: a step's analysis run to its end, the
 * background analysis started at its step and looked at before every step and during every wait, and an
 * experiment's baseline. The arguments Slipway fills in ({@code service}, {@code canary}, {@code stable},
 * {@code baseline}) are the service as it is when an analysis starts. Used by the rollout thread only.
 */
final class AnalysisRuns {
    private static final String BACKGROUND = "background";

    private final String service;
    private final RolloutLoop loop;
    private final RolloutAnalyses analyses;
    private final ExperimentBaseline baseline;
    private boolean backgroundStarted;
    private boolean backgroundInconclusiveAnswered;

    /** Follows rollout {@code rolloutId}; analyses it stored before a restart are picked up where they were. */
    AnalysisRuns(String service, RolloutLoop loop, RolloutAnalyses analyses, ExperimentBaseline baseline,
                 long rolloutId) {
        this.service = service;
        this.loop = loop;
        this.analyses = analyses;
        this.baseline = baseline;
        analyses.begin(rolloutId);
    }

    /** Runs a step's analysis to its end (or resumes it); returns early, stopped, once {@code stop} says so. */
    AnalysisStatus runToEnd(String name, AnalysisRunSpec run, BooleanSupplier stop) {
        return analyses.runToEnd(name, run, builtInArgs(), stop);
    }

    /** Starts the background analysis once; later calls do nothing. */
    void startBackground(AnalysisRunSpec run) {
        if (!backgroundStarted) {
            backgroundStarted = true;
            analyses.start(BACKGROUND, run, builtInArgs());
        }
    }

    /** Why the background analysis says the rollout must stop (it failed or errored), or empty. */
    Optional<String> backgroundFailure() {
        if (!backgroundStarted) {
            return Optional.empty();
        }
        AnalysisStatus status = analyses.tick(BACKGROUND);
        return status.phase() == Phase.FAILED || status.phase() == Phase.ERROR
                ? Optional.of("background analysis " + status.phase().name().toLowerCase() + ": " + status.message())
                : Optional.empty();
    }

    /** The background analysis' status when it ended inconclusive and nobody has answered that yet (once). */
    Optional<AnalysisStatus> backgroundInconclusive() {
        if (!backgroundStarted || backgroundInconclusiveAnswered) {
            return Optional.empty();
        }
        AnalysisStatus status = analyses.tick(BACKGROUND);
        if (status.phase() != Phase.INCONCLUSIVE) {
            return Optional.empty();
        }
        backgroundInconclusiveAnswered = true;
        return Optional.of(status);
    }

    Optional<String> startBaseline(int replicas) {
        return baseline.start(replicas);
    }

    void stopBaseline() {
        baseline.stop();
    }

    /** The rollout ended: analyses still running stop (recorded as stopped) and a baseline goes. */
    void end(String why) {
        analyses.stopAll(why);
        baseline.stop();
    }

    private Map<String, String> builtInArgs() {
        ServiceState state = loop.current();
        String stable = state.stable().map(Revision::version).orElse("");
        Map<String, String> args = new LinkedHashMap<>();
        args.put("service", service);
        args.put("canary", state.canary().map(Revision::version).orElse(""));
        args.put("stable", stable);
        args.put("baseline", baseline.version().orElse(stable));
        return args;
    }
}
