package dev.slipway.controller.event;

import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.Measurement;
import dev.slipway.analysis.Verdict;
import dev.slipway.controller.guard.GuardDecision;
import dev.slipway.controller.store.RolloutRecord;

import java.time.Duration;
import java.util.Optional;

/**
 * Something the controller did or decided, as a typed value for whoever listens (timeline, dashboard, notifications).
 * {@link #text()} is the line the timeline shows.
 */
public sealed interface RolloutEvent {

    String text();

    /** Whether the event gets a timeline line of its own (an analysis result shows in the step or abort after it). */
    default boolean onTimeline() {
        return true;
    }

    /** A rollout from {@code from} (empty for a first deploy) to {@code to} was accepted and recorded. */
    record RolloutStarted(Optional<String> from, String to, String strategy) implements RolloutEvent {
        @Override
        public String text() {
            return from.isEmpty() ? "deploying " + to : "rollout " + to + " (" + strategy + ")";
        }
    }

    /** The rollout reached a step and recorded it; {@code description} says which ("setWeight 25%"). */
    record StepReached(String version, RolloutRecord rollout, String description) implements RolloutEvent {
        @Override
        public String text() {
            return version + ": " + description;
        }
    }

    /** The rollout waits: a timed pause, until promoted, or after an inconclusive analysis. */
    record RolloutPaused(String version, RolloutRecord rollout, String description) implements RolloutEvent {
        @Override
        public String text() {
            return version + ": " + description;
        }
    }

    /** An analysis of the canary ended with {@code verdict}. */
    record AnalysisResult(String version, Verdict verdict) implements RolloutEvent {
        @Override
        public String text() {
            return version + ": analysis " + verdict.outcome().name().toLowerCase() + ": " + verdict.reason();
        }

        @Override
        public boolean onTimeline() {
            return false;
        }
    }

    /** An analysis of templates began (not when a restarted controller resumes one). */
    record AnalysisStarted(String analysis, String templates) implements RolloutEvent {
        @Override
        public String text() {
            return "analysis " + analysis + " started (" + templates + ")";
        }
    }

    /** A metric of an analysis took a measurement: its value, phase and why. */
    record AnalysisMeasured(String analysis, String metric, boolean dryRun, Measurement measurement)
            implements RolloutEvent {
        @Override
        public String text() {
            return "analysis " + analysis + ": " + metric + (dryRun ? " (dry run) " : " ")
                    + measurement.phase().name().toLowerCase()
                    + (measurement.value().isEmpty() ? "" : " " + measurement.value()) + ": "
                    + shorten(measurement.message());
        }
    }

    /** An analysis of templates ended: successful, failed, error or inconclusive (as {@code status} says). */
    record AnalysisEnded(String analysis, AnalysisStatus status) implements RolloutEvent {
        @Override
        public String text() {
            return "analysis " + analysis + " " + status.phase().name().toLowerCase() + ": " + shorten(status.message());
        }
    }

    /** The canary is gone and all traffic is back on stable. */
    record RolloutAborted(String version, String reason) implements RolloutEvent {
        @Override
        public String text() {
            return "aborted " + version + ": " + reason;
        }
    }

    /**
     * {@code version} is stable with {@code replicas} replicas; {@code replaced} (empty after a first deploy) is kept
     * for undo for {@code keptFor}, or stopped.
     */
    record RolloutPromoted(String version, Optional<String> replaced, Optional<Duration> keptFor, int replicas)
            implements RolloutEvent {
        @Override
        public String text() {
            if (replaced.isEmpty()) {
                return "deployed " + version + " (" + replicas + " replicas)";
            }
            return keptFor.map(delay -> "promoted " + version + "; " + replaced.get() + " kept for undo for "
                    + delay.toSeconds() + " s").orElse("promoted " + version + " to stable; draining " + replaced.get());
        }
    }

    /** The guard refused an action; nothing changed. */
    record GuardRefusal(String actor, GuardDecision decision) implements RolloutEvent {
        @Override
        public String text() {
            return "refused: " + decision.action() + " (asked by " + actor + ")";
        }
    }

    /** The guard refused an action and a forced override with a backup ran it anyway. */
    record GuardOverridden(String actor, GuardDecision decision, String override) implements RolloutEvent {
        @Override
        public String text() {
            return "FORCED " + decision.action() + " over the guard (" + override + ")";
        }
    }

    /** A schema migration was started (expanded), completed (contracted) or rolled back. */
    record SchemaChanged(Kind kind, int version, String description) implements RolloutEvent {
        public enum Kind { STARTED, COMPLETED, ROLLED_BACK }

        @Override
        public String text() {
            return switch (kind) {
                case STARTED -> "schema " + version + " started (" + description + ")";
                case COMPLETED -> "schema " + version + " completed (contract)";
                case ROLLED_BACK -> "schema " + version + " rolled back";
            };
        }
    }

    /** A hook of the rollout policy failed: a gate (the rollout acts on it) or an after-the-fact hook (recorded). */
    record HookFailed(String moment, String hook, String detail) implements RolloutEvent {
        @Override
        public String text() {
            return moment + " hook " + hook + " failed: " + detail;
        }
    }

    /** The rollout of {@code version} made no progress for its progress deadline; it is aborted or paused. */
    record ProgressDeadlinePassed(String version, String reason, boolean paused) implements RolloutEvent {
        @Override
        public String text() {
            return version + ": " + reason + (paused ? "; paused until promoted" : "; aborting");
        }
    }

    /** contractAfter has come for migration {@code version}: the contract runs now, if the guard allows. */
    record ContractDue(int version, String stableVersion) implements RolloutEvent {
        @Override
        public String text() {
            return "schema " + version + ": contract due (contractAfter of " + stableVersion + ")";
        }
    }

    /**
     * No replica of the stable release {@code version} (nor of a canary) is ready, but {@code replicas} of it still run
     * failing readiness: they get the traffic rather than every client getting a 503 (panic routing).
     */
    record PanicRoutingStarted(String version, int replicas) implements RolloutEvent {
        @Override
        public String text() {
            return "no replica of " + version + " is ready: routing to its " + replicas + " running replica(s) that"
                    + " fail readiness (panic routing) rather than answering 503";
        }
    }

    /** Panic routing of {@code version} ended, {@code why}. */
    record PanicRoutingEnded(String version, String why) implements RolloutEvent {
        @Override
        public String text() {
            return "panic routing of " + version + " over: " + why;
        }
    }

    /**
     * A problem with replica {@code replica} that the user must fix in the spec, found by the runtime's probes (e.g. a
     * liveness path answering 404: liveness probing of that replica ended).
     */
    record ReplicaProblem(String replica, String problem) implements RolloutEvent {
        @Override
        public String text() {
            return "replica " + replica + ": " + problem;
        }
    }

    /** Anything else worth a timeline line: replicas moved, a release scaled down, a resume. */
    record Note(String text) implements RolloutEvent {
    }

    /** A timeline line stays readable: a judge's reasons or a job's output are cut after 400 characters. */
    private static String shorten(String message) {
        return message.length() <= 400 ? message : message.substring(0, 400) + "...";
    }
}
