package dev.slipway.runtime.replica;

import dev.slipway.model.HealthSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.ReplicaRequest;

import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What every runtime makes of a request before it starts anything, so that a replica looks the same to the controller
 * wherever it runs.
 *
 * @param replica     its id is {@code <service>-<revision>-<ordinal>-<random>}: unique, and readable in logs
 * @param environment {@code run.env}, then the request's environment, then {@code PORT} and {@code HOST}
 * @param health      the request's probes, or the defaults
 */
public record NewReplica(Replica replica, Map<String, String> environment, HealthSpec health) {

    public NewReplica {
        environment = Map.copyOf(environment);
    }

    public static NewReplica of(ReplicaRequest request, String host, int port) {
        String id = request.service() + "-" + request.revision() + "-" + request.ordinal() + "-" + shortRandom();
        Map<String, String> environment = new HashMap<>(request.run().env());
        environment.putAll(request.environment());
        environment.put("PORT", Integer.toString(port));
        environment.put("HOST", host);
        HealthSpec health = request.health() == null ? HealthSpec.defaults() : request.health();
        return new NewReplica(new Replica(id, request.service(), request.revision(), host, port), environment, health);
    }

    private static String shortRandom() {
        byte[] bytes = new byte[3];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
