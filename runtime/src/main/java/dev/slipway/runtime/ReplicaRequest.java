package dev.slipway.runtime;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.RunSpec;

import java.util.Map;

/**
 * Everything a runtime needs to start one replica.
 *
 * @param environment added to {@code run.env()}: the port, JDBC URL and schema the replica must use
 *                    ({@code PORT} is set by the runtime itself)
 */
public record ReplicaRequest(String service, String revision, int ordinal, RunSpec run,
                             Map<String, String> environment, HealthSpec health) {
    public ReplicaRequest {
        environment = Map.copyOf(environment);
    }
}
