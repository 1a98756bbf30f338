package dev.slipway.runtime.swarm;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Where the swarm runtime finds its manager and how it places replicas.
 *
 * @param manager     the Engine API of a Swarm manager: {@code unix:///var/run/docker.sock} on a manager, or
 *                    {@code tcp://manager.example:2376} (TLS settings from DOCKER_CERT_PATH / DOCKER_TLS_VERIFY)
 * @param bind        the {@code HOST} every replica gets, where it listens on its node; {@code 0.0.0.0} (every interface
 *                    of the node) unless all nodes are this machine
 * @param constraints Swarm placement constraints for every replica, e.g. {@code node.role==worker},
 *                    {@code node.labels.zone==eu-1}; empty: any node
 * @param firstPort   the lowest host port a replica may get (each replica listens on a port of its own, published in
 *                    host mode so that Swarm never puts two replicas on one port of a node)
 * @param lastPort    the highest
 * @param stopGrace   how long a replica has after SIGTERM before it is killed; fixed when its service is created
 */
public record SwarmSettings(URI manager, String bind, List<String> constraints, int firstPort, int lastPort,
                            Duration stopGrace) {
    public static final URI LOCAL_MANAGER = URI.create("unix:///var/run/docker.sock");
    public static final int DEFAULT_FIRST_PORT = 30000;
    public static final int DEFAULT_LAST_PORT = 32767;
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

    public SwarmSettings {
        constraints = List.copyOf(constraints);
        if (firstPort < 1 || lastPort > 65535 || firstPort > lastPort) {
            throw new IllegalArgumentException("ports " + firstPort + "-" + lastPort + " is not a range of ports");
        }
    }

    /** The local engine as manager, replicas on every interface of their node, no constraints, ports 30000-32767. */
    public static SwarmSettings defaults() {
        return new SwarmSettings(LOCAL_MANAGER, "0.0.0.0", List.of(), DEFAULT_FIRST_PORT, DEFAULT_LAST_PORT,
                DEFAULT_STOP_GRACE);
    }

    public SwarmSettings withManager(URI host) {
        return new SwarmSettings(host, bind, constraints, firstPort, lastPort, stopGrace);
    }

    public SwarmSettings withBind(String host) {
        return new SwarmSettings(manager, host, constraints, firstPort, lastPort, stopGrace);
    }

    public SwarmSettings withConstraints(List<String> placement) {
        return new SwarmSettings(manager, bind, placement, firstPort, lastPort, stopGrace);
    }

    public SwarmSettings withPorts(int first, int last) {
        return new SwarmSettings(manager, bind, constraints, first, last, stopGrace);
    }
}
