package dev.slipway.runtime.replica;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The labels on every container of the docker runtime and every service of the swarm runtime. They are all a
 * restarted controller has to go on: which replica a container (or service) is ({@code dev.slipway.service}, {@code .revision}, {@code .replica}, {@code .ordinal},
 * {@code .port}), how to probe it ({@code dev.slipway.readiness.*}, {@code dev.slipway.liveness.*}) and whose it is
 * ({@code dev.slipway.state-directory}: a runtime adopts only what carries its own state directory, so two
 * controllers, or a controller and a test, can share one engine without taking each other's replicas).
 *
 * @param replica          the replica, host and port included
 * @param ordinal          names the log file
 * @param health           the probes, so that an adopted container is probed as its launcher probed it
 * @param stateDirectory   the absolute state directory of the runtime that launched it
 */
public record ReplicaLabels(Replica replica, int ordinal, HealthSpec health, String stateDirectory) {
    public static final String SERVICE = "dev.slipway.service";
    public static final String REVISION = "dev.slipway.revision";
    public static final String REPLICA = "dev.slipway.replica";
    public static final String ORDINAL = "dev.slipway.ordinal";
    public static final String PORT = "dev.slipway.port";
    public static final String STATE_DIRECTORY = "dev.slipway.state-directory";
    private static final String READINESS = "dev.slipway.readiness";
    private static final String LIVENESS = "dev.slipway.liveness";

    public Map<String, String> toLabels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(SERVICE, replica.service());
        labels.put(REVISION, replica.revision());
        labels.put(REPLICA, replica.id());
        labels.put(ORDINAL, Integer.toString(ordinal));
        labels.put(PORT, Integer.toString(replica.port()));
        labels.put(STATE_DIRECTORY, stateDirectory);
        putProbe(labels, READINESS, health.readiness());
        putProbe(labels, LIVENESS, health.liveness());
        return labels;
    }

    /** @throws IllegalArgumentException naming the missing or malformed label */
    public static ReplicaLabels parse(Map<String, String> labels, String host) {
        try {
            Replica replica = new Replica(required(labels, REPLICA), required(labels, SERVICE),
                    required(labels, REVISION), host, Integer.parseInt(required(labels, PORT)));
            HealthSpec health = new HealthSpec(probe(labels, READINESS), probe(labels, LIVENESS));
            return new ReplicaLabels(replica, Integer.parseInt(required(labels, ORDINAL)), health,
                    required(labels, STATE_DIRECTORY));
        } catch (RuntimeException malformed) {
            throw new IllegalArgumentException("not a slipway replica: " + malformed.getMessage(), malformed);
        }
    }

    private static void putProbe(Map<String, String> labels, String prefix, ProbeSpec probe) {
        if (probe == null) {
            return;
        }
        labels.put(prefix + ".path", probe.path() == null ? "" : probe.path());
        putIfPresent(labels, prefix + ".period", probe.period());
        putIfPresent(labels, prefix + ".timeout", probe.timeout());
        labels.put(prefix + ".failure-threshold", Integer.toString(probe.failureThreshold()));
        putIfPresent(labels, prefix + ".start-period", probe.startPeriod());
    }

    private static void putIfPresent(Map<String, String> labels, String key, Duration value) {
        if (value != null) {
            labels.put(key, value.toString());
        }
    }

    private static ProbeSpec probe(Map<String, String> labels, String prefix) {
        if (!labels.containsKey(prefix + ".path")) {
            return null;
        }
        return new ProbeSpec(labels.get(prefix + ".path"), duration(labels, prefix + ".period"),
                duration(labels, prefix + ".timeout"),
                Integer.parseInt(required(labels, prefix + ".failure-threshold")),
                duration(labels, prefix + ".start-period"));
    }

    private static Duration duration(Map<String, String> labels, String key) {
        String value = labels.get(key);
        return value == null ? null : Duration.parse(value);
    }

    private static String required(Map<String, String> labels, String key) {
        String value = labels.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing label '" + key + "'");
        }
        return value;
    }
}
