package dev.slipway.environments;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One environment of a service: where its controller ({@code slipway up}) publishes its API, and, for an
 * environment that receives releases from another one, the promotion rule.
 *
 * @param stateDirectory the environment's {@code --state-dir} (it holds {@code api.json}), resolved against the
 *                       environments file's directory
 */
public record Environment(String name, Path stateDirectory, Optional<Promotion> promotion) {
}
