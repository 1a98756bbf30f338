package dev.slipway.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code swarm:} section of {@code slipway.yaml}, for {@code runtime: swarm}: where the swarm manager's Engine API
 * is and how replicas are placed.
 * <pre>
 * runtime: swarm
 * swarm:
 *   manager: unix:///var/run/docker.sock   # or tcp://manager.example:2376
 *   bind: 0.0.0.0                          # HOST the replicas listen on, on their node
 *   constraints: [node.role==worker]       # Swarm placement constraints, for every replica
 *   ports: 30000-32767                     # host ports for replicas, one each
 * </pre>
 *
 * @param manager     an Engine API address ({@code unix://...} or {@code tcp://host:port})
 * @param bind        the {@code HOST} every replica gets
 * @param constraints Swarm placement constraints ({@code node.role==worker}, {@code node.labels.zone!=eu-1})
 * @param firstPort   the lowest host port a replica may get
 * @param lastPort    the highest
 */
public record SwarmSpec(String manager, String bind, List<String> constraints, int firstPort, int lastPort) {
    private static final Pattern PORTS = Pattern.compile("(\\d{1,5})\\s*-\\s*(\\d{1,5})");
    private static final Pattern CONSTRAINT = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*\\s*(==|!=)\\s*\\S.*");

    public SwarmSpec {
        constraints = List.copyOf(constraints);
    }

    /** The local engine as manager, replicas on every interface of their node, anywhere, ports 30000-32767. */
    public static SwarmSpec defaults() {
        return new SwarmSpec("unix:///var/run/docker.sock", "0.0.0.0", List.of(), 30000, 32767);
    }

    /** Reads the section; every field is optional and checked, errors point at it. */
    static SwarmSpec parse(SpecNode node) {
        node.allowOnly("manager", "bind", "constraints", "ports");
        SwarmSpec defaults = defaults();
        String manager = node.optional("manager").map(SwarmSpec::manager).orElse(defaults.manager());
        String bind = node.optional("bind").map(SpecNode::nonBlankString).orElse(defaults.bind());
        List<String> constraints = new ArrayList<>();
        Optional<SpecNode> constraintsNode = node.optional("constraints");
        if (constraintsNode.isPresent()) {
            for (SpecNode item : constraintsNode.get().items()) {
                String constraint = item.nonBlankString();
                if (!CONSTRAINT.matcher(constraint).matches()) {
                    throw item.error("'" + constraint + "' is not a placement constraint (e.g. node.role==worker,"
                            + " node.labels.zone!=eu-1)");
                }
                constraints.add(constraint);
            }
        }
        int firstPort = defaults.firstPort();
        int lastPort = defaults.lastPort();
        Optional<SpecNode> portsNode = node.optional("ports");
        if (portsNode.isPresent()) {
            String text = portsNode.get().nonBlankString();
            Matcher range = PORTS.matcher(text);
            if (!range.matches()) {
                throw portsNode.get().error("'" + text + "' is not a port range (e.g. 30000-32767)");
            }
            firstPort = Integer.parseInt(range.group(1));
            lastPort = Integer.parseInt(range.group(2));
            if (firstPort < 1 || lastPort > 65535 || firstPort > lastPort) {
                throw portsNode.get().error("'" + text + "' is not a range of ports (1..65535, lowest first)");
            }
        }
        return new SwarmSpec(manager, bind, constraints, firstPort, lastPort);
    }

    private static String manager(SpecNode node) {
        String address = node.nonBlankString();
        if (!address.matches("unix:///\\S+|tcp://[^\\s/]+:\\d{1,5}/?")) {
            throw node.error("'" + address + "' is not an Engine API address (e.g. unix:///var/run/docker.sock or"
                    + " tcp://manager.example:2376)");
        }
        return address;
    }
}
