package dev.slipway.model;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A YAML node that remembers its file, position and dotted path, so every reading error can say
 * {@code file:line:column: path: problem}. Spec and migration parsers are written against it.
 */
public final class SpecNode {
    private final String file;
    private final Node node;
    private final String path;

    private SpecNode(String file, Node node, String path) {
        this.file = file;
        this.node = node;
        this.path = path;
    }

    /** Parses one YAML (or JSON) document. An empty document is an error. */
    public static SpecNode parse(String file, String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            if (mark == null) {
                throw new SpecException(file, 1, 1, "", "invalid YAML: " + problem);
            }
            throw new SpecException(file, mark.getLine() + 1, mark.getColumn() + 1, "", "invalid YAML: " + problem);
        } catch (RuntimeException e) {
            throw new SpecException(file, 1, 1, "", "invalid YAML: " + e.getMessage());
        }
        if (root == null) {
            throw new SpecException(file, 1, 1, "", "the file is empty");
        }
        return new SpecNode(file, root, "");
    }

    public String file() { return file; }
    public String path() { return path; }
    public int line() { return node.getStartMark().getLine() + 1; }
    public int column() { return node.getStartMark().getColumn() + 1; }

    /** An error located at this node. */
    public SpecException error(String problem) {
        return new SpecException(file, line(), column(), path, problem);
    }

    public boolean isMapping() { return node instanceof MappingNode; }
    public boolean isSequence() { return node instanceof SequenceNode; }
    public boolean isNull() { return node instanceof ScalarNode && node.getTag().equals(Tag.NULL); }
    public boolean isScalar() { return node instanceof ScalarNode && !isNull(); }

    /** The fields of a mapping, in file order; keys are checked to be plain strings. */
    public Map<String, SpecNode> fields() {
        if (!(node instanceof MappingNode mapping)) {
            throw error("expected a mapping (key: value), found " + kind());
        }
        Map<String, SpecNode> fields = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                throw new SpecNode(file, tuple.getKeyNode(), path).error("keys must be plain names");
            }
            fields.put(key.getValue(), new SpecNode(file, tuple.getValueNode(), child(key.getValue())));
        }
        return fields;
    }

    /** Refuses any field not in {@code allowed}, pointing at the unknown key and suggesting a near one. */
    public SpecNode allowOnly(String... allowed) {
        Set<String> known = Set.of(allowed);
        MappingNode mapping = (MappingNode) requireMapping().node;
        for (NodeTuple tuple : mapping.getValue()) {
            String key = ((ScalarNode) tuple.getKeyNode()).getValue();
            if (!known.contains(key)) {
                String suggestion = closest(key, allowed);
                throw new SpecNode(file, tuple.getKeyNode(), child(key)).error("unknown field '" + key + "'"
                        + (suggestion != null ? " (did you mean '" + suggestion + "'?)" : "")
                        + "; expected one of " + Arrays.stream(allowed).sorted().toList());
            }
        }
        return this;
    }

    public SpecNode requireMapping() {
        fields();
        return this;
    }

    public SpecNode require(String key) {
        SpecNode value = fields().get(key);
        if (value == null || value.isNull()) {
            throw error("missing required field '" + key + "'");
        }
        return value;
    }

    public Optional<SpecNode> optional(String key) {
        SpecNode value = fields().get(key);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    public List<SpecNode> items() {
        if (!(node instanceof SequenceNode sequence)) {
            throw error("expected a list, found " + kind());
        }
        List<SpecNode> items = new ArrayList<>();
        List<Node> values = sequence.getValue();
        for (int i = 0; i < values.size(); i++) {
            items.add(new SpecNode(file, values.get(i), path + "[" + i + "]"));
        }
        return items;
    }

    public String string() {
        if (!isScalar()) {
            throw error("expected a value, found " + kind());
        }
        return ((ScalarNode) node).getValue();
    }

    public String nonBlankString() {
        String value = string();
        if (value.isBlank()) {
            throw error("must not be blank");
        }
        return value;
    }

    public int integer(int min, int max) {
        String text = string().trim();
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw error("'" + text + "' is not a whole number");
        }
        if (value < min || value > max) {
            throw error(value + " is out of range (" + min + ".." + max + ")");
        }
        return value;
    }

    public double number(double min, double max) {
        String text = string().trim();
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw error("'" + text + "' is not a number");
        }
        if (value < min || value > max || Double.isNaN(value)) {
            throw error(text + " is out of range (" + min + ".." + max + ")");
        }
        return value;
    }

    public boolean bool() {
        String text = string().trim();
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw error("'" + text + "' is not true or false");
        };
    }

    public Duration duration() {
        try {
            return Durations.parse(string());
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private String kind() {
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        if (isNull()) return "nothing";
        return "'" + ((ScalarNode) node).getValue() + "'";
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The allowed name within edit distance 2 of a typo, if any. */
    private static String closest(String key, String[] allowed) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : allowed) {
            int distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
