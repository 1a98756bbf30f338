package dev.slipway.model;

/** Readiness gates traffic; liveness restarts a replica that stopped answering. */
public record HealthSpec(ProbeSpec readiness, ProbeSpec liveness) {
    public static HealthSpec defaults() {
        return new HealthSpec(ProbeSpec.readinessDefault(), ProbeSpec.livenessDefault());
    }
}
