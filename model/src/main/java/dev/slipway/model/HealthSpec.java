package dev.slipway.model;

/**
 * Readiness gates traffic; liveness restarts a replica that stopped answering. Liveness is opt-in, as in Kubernetes:
 * {@code null} unless the spec sets it, because a default path the app does not serve would restart every replica of
 * an app that knows nothing of Slipway over and over.
 *
 * @param readiness never null once parsed (a spec without one gets {@link ProbeSpec#readinessDefault()})
 * @param liveness  null: no liveness probe
 */
public record HealthSpec(ProbeSpec readiness, ProbeSpec liveness) {
    /** Readiness on its default path, no liveness probe. */
    public static HealthSpec defaults() {
        return new HealthSpec(ProbeSpec.readinessDefault(), null);
    }
}
