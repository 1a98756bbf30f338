package dev.slipway.environments;

import dev.slipway.model.SpecNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads {@code environments.yaml}:
 * <pre>
 * service: orders
 * environments:
 *   test: {stateDir: test/.slipway}
 *   prod:
 *     stateDir: prod/.slipway
 *     promotion: {from: test, soak: 30m, maxErrorRate: 0.01, minRequests: 200, approval: true}
 * </pre>
 * Every problem is a {@code SpecException} at {@code file:line:column}; promotions must name another known
 * environment and must not form a cycle.
 */
public final class EnvironmentsParser {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    private EnvironmentsParser() {
    }

    public static EnvironmentsSpec parse(Path file) {
        try {
            Path base = file.toAbsolutePath().getParent();
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8), base);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses {@code text}; relative state directories are resolved against {@code base}. */
    public static EnvironmentsSpec parse(String file, String text, Path base) {
        SpecNode root = SpecNode.parse(file, text).allowOnly("service", "environments");
        SpecNode serviceNode = root.require("service");
        String service = name(serviceNode, "service");
        SpecNode environmentsNode = root.require("environments").requireMapping();
        Map<String, SpecNode> fields = environmentsNode.fields();
        if (fields.isEmpty()) {
            throw environmentsNode.error("lists no environment");
        }
        List<Environment> environments = new ArrayList<>();
        Map<String, SpecNode> fromNodes = new LinkedHashMap<>();
        for (Map.Entry<String, SpecNode> entry : fields.entrySet()) {
            SpecNode node = entry.getValue().allowOnly("stateDir", "promotion");
            String name = entry.getKey();
            if (!NAME.matcher(name).matches()) {
                throw node.error("'" + name + "' is not an environment name (lowercase letters, digits, '-')");
            }
            Path stateDirectory = base.resolve(node.require("stateDir").nonBlankString()).normalize();
            Optional<Promotion> promotion = Optional.empty();
            Optional<SpecNode> promotionNode = node.optional("promotion");
            if (promotionNode.isPresent()) {
                SpecNode p = promotionNode.get().allowOnly("from", "soak", "maxErrorRate", "minRequests", "approval");
                SpecNode fromNode = p.require("from");
                String from = fromNode.nonBlankString();
                if (from.equals(name)) {
                    throw fromNode.error("an environment cannot promote from itself");
                }
                fromNodes.put(name, fromNode);
                SpecNode soakNode = p.require("soak");
                Duration soak = soakNode.duration();
                if (soak.isNegative()) {
                    throw soakNode.error("must not be negative");
                }
                Optional<Double> maxErrorRate = p.optional("maxErrorRate").map(n -> n.number(0, 1));
                long minRequests = p.optional("minRequests").map(n -> (long) n.integer(0, Integer.MAX_VALUE))
                        .orElse(maxErrorRate.isPresent() ? 100L : 0L);
                if (p.optional("minRequests").isPresent() && maxErrorRate.isEmpty()) {
                    throw p.require("minRequests").error("only means something together with maxErrorRate");
                }
                boolean approval = p.optional("approval").map(SpecNode::bool).orElse(false);
                promotion = Optional.of(new Promotion(from, soak, maxErrorRate, minRequests, approval));
            }
            environments.add(new Environment(name, stateDirectory, promotion));
        }
        for (Map.Entry<String, SpecNode> entry : fromNodes.entrySet()) {
            String from = entry.getValue().string();
            if (!fields.containsKey(from)) {
                throw entry.getValue().error("'" + from + "' is not an environment of this file (known: "
                        + String.join(", ", fields.keySet()) + ")");
            }
            // follow the chain back from this environment: it must end at an environment without promotion
            List<String> seen = new ArrayList<>(List.of(entry.getKey()));
            String current = from;
            while (fromNodes.containsKey(current)) {
                if (seen.contains(current)) {
                    throw entry.getValue().error("promotions form a cycle: " + String.join(" <- ", seen) + " <- " + current);
                }
                seen.add(current);
                current = fromNodes.get(current).string();
            }
        }
        return new EnvironmentsSpec(file, service, environments);
    }

    private static String name(SpecNode node, String what) {
        String value = node.nonBlankString();
        if (!NAME.matcher(value).matches()) {
            throw node.error("'" + value + "' is not a " + what + " name (lowercase letters, digits, '-')");
        }
        return value;
    }
}
