package dev.slipway.model;

/**
 * One version of the service's binary: how to run it, which schema versions it reads,
 * how many replicas, how to probe it and how to roll it out.
 */
public record ReleaseSpec(String version, RunSpec run, SchemaRange schema, int replicas,
                          HealthSpec health, StrategySpec strategy) {
}
