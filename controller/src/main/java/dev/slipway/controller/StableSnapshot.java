package dev.slipway.controller;

import dev.slipway.analysis.MetricSample;
import dev.slipway.model.ReleaseSpec;

import java.time.Instant;
import java.util.Optional;

/**
 * The stable release as another environment sees it before promoting it: what it is, since when it has been
 * stable, whether it is healthy, and the router's counters for it.
 *
 * @param since     its last promotion (or first deploy)
 * @param counters  requests and errors since the router started; empty when the router could not be read
 * @param rollingTo the version a rollout in progress moves to
 */
public record StableSnapshot(ReleaseSpec release, Instant since, int replicas, int readyReplicas,
                             Optional<MetricSample> counters, Optional<String> rollingTo) {
}
