package dev.slipway.model;

import java.time.Duration;
import java.util.Optional;

/**
 * One version of the service's binary: how to run it, which schema versions it reads, how many replicas,
 * how to probe it and how to roll it out.
 *
 * @param contractAfter when set, the migration in flight is completed automatically once this release has
 *                      been at 100 %, healthy and alone that long
 */
public record ReleaseSpec(String version, RunSpec run, SchemaRange schema, int replicas,
                          HealthSpec health, StrategySpec strategy, Optional<Duration> contractAfter) {

    public ReleaseSpec(String version, RunSpec run, SchemaRange schema, int replicas, HealthSpec health,
                       StrategySpec strategy) {
        this(version, run, schema, replicas, health, strategy, Optional.empty());
    }

    public ReleaseSpec withStrategy(StrategySpec other) {
        return new ReleaseSpec(version, run, schema, replicas, health, other, contractAfter);
    }
}
