package dev.slipway.runtime.local;

import dev.slipway.model.HealthSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What it takes to (re)launch a replica's process: kept so that a liveness restart, or a runtime that adopted the
 * replica after a controller restart, launches exactly the same thing again.
 *
 * @param environment what the runtime adds to its own environment: {@code run.env}, the request's environment,
 *                    {@code PORT} and {@code HOST}
 */
record LaunchPlan(List<String> command, Map<String, String> environment, Path workingDirectory, HealthSpec health) {
    LaunchPlan {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }
}
