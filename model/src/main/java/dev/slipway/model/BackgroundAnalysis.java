package dev.slipway.model;

/**
 * An analysis that runs beside the canary steps for the whole rollout (Argo's {@code strategy.canary.analysis}):
 * it starts when step {@code startingStep} begins and is stopped when the rollout ends; a failure aborts the
 * rollout at once, whatever step it is in.
 */
public record BackgroundAnalysis(AnalysisRunSpec run, int startingStep) {
}
