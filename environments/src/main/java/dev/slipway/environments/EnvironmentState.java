package dev.slipway.environments;

import java.util.Optional;

/**
 * What one environment runs now.
 *
 * @param rollingTo the version a rollout in progress moves to, if one runs
 */
public record EnvironmentState(String environment, Optional<StableRelease> stable, Optional<String> rollingTo) {
}
