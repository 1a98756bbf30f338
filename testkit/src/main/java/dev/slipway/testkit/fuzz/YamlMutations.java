package dev.slipway.testkit.fuzz;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Hostile variants of valid YAML documents (specs, environment files, migration files), for fuzzing parsers and
 * endpoints: each variant is a valid seed changed by one to three {@link Kind mutations} — wrong types, missing and
 * unknown keys, huge values, control characters, deep nesting, alias bombs, duplicate keys, truncation and syntax
 * noise. Structural mutations edit the parsed tree and write it back; textual ones edit the text.
 */
public final class YamlMutations {
    private static final String DEEP = "__SLIPWAY_DEEP__";
    /** Making a Yaml is most of the cost of a small mutation; one of each per thread (a Yaml is not thread-safe). */
    private static final ThreadLocal<Yaml> LOADER = ThreadLocal.withInitial(Yaml::new);
    private static final ThreadLocal<Yaml> BLOCK = ThreadLocal.withInitial(() -> dumper(DumperOptions.FlowStyle.BLOCK));
    private static final ThreadLocal<Yaml> FLOW = ThreadLocal.withInitial(() -> dumper(DumperOptions.FlowStyle.FLOW));

    /** What was done to a seed. The first five edit the document's tree; the others its text. */
    public enum Kind {
        WRONG_TYPE, MISSING_KEY, UNKNOWN_KEY, HUGE_VALUE, DEEP_NESTING,
        CONTROL_CHARACTER, ALIAS_BOMB, DUPLICATE_KEY, TRUNCATED, SYNTAX_NOISE;

        boolean structural() {
            return ordinal() <= DEEP_NESTING.ordinal();
        }
    }

    /** A mutated document and the mutations that made it (for statistics and failure reports). */
    public record Mutated(String text, List<Kind> kinds) {
        @Override
        public String toString() {
            String shown = text.length() > 2000 ? text.substring(0, 2000) + "... (" + text.length() + " chars)" : text;
            return kinds + ":\n" + shown;
        }
    }

    private YamlMutations() {
    }

    /** Variants of the seeds; every seed must be a YAML mapping. */
    public static Arbitrary<Mutated> of(List<String> seeds) {
        return Combinators.combine(Arbitraries.of(seeds), Arbitraries.of(Kind.values()).list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.longs()).as(YamlMutations::mutate);
    }

    static Mutated mutate(String seed, List<Kind> kinds, long randomSeed) {
        Random random = new Random(randomSeed);
        List<Kind> ordered = new ArrayList<>(kinds);
        ordered.sort(Comparator.comparing(kind -> !kind.structural())); // the tree first, while it still parses
        Object tree = LOADER.get().load(seed);
        String text = null;
        for (Kind kind : ordered) {
            if (kind.structural()) {
                tree = mutateTree(tree, kind, random);
            } else {
                if (text == null) {
                    text = dump(tree, random);
                }
                text = mutateText(text, kind, random);
            }
        }
        if (text == null) {
            text = dump(tree, random);
        }
        return new Mutated(text, List.copyOf(kinds));
    }

    // --- the tree ----------------------------------------------------------------------------------------------------

    /** A place in the tree: a key of a mapping or an index of a list. */
    private record Slot(Object container, Object key) {
        Object value() {
            return container instanceof Map<?, ?> map ? map.get(key) : ((List<?>) container).get((Integer) key);
        }

        @SuppressWarnings("unchecked")
        void set(Object value) {
            if (container instanceof Map<?, ?> map) {
                ((Map<Object, Object>) map).put(key, value);
            } else {
                ((List<Object>) container).set((Integer) key, value);
            }
        }
    }

    private static Object mutateTree(Object tree, Kind kind, Random random) {
        Object root = copy(tree);
        List<Slot> slots = new ArrayList<>();
        collect(root, slots);
        List<Map<Object, Object>> mappings = new ArrayList<>();
        collectMappings(root, mappings);
        if (slots.isEmpty()) {
            return root;
        }
        Slot slot = slots.get(random.nextInt(slots.size()));
        switch (kind) {
            case WRONG_TYPE -> slot.set(wrongType(slot.value(), random));
            case MISSING_KEY -> {
                Map<Object, Object> mapping = mappings.get(random.nextInt(mappings.size()));
                if (!mapping.isEmpty()) {
                    List<Object> keys = new ArrayList<>(mapping.keySet());
                    mapping.remove(keys.get(random.nextInt(keys.size())));
                }
            }
            case UNKNOWN_KEY -> {
                Map<Object, Object> mapping = mappings.get(random.nextInt(mappings.size()));
                mapping.put(unknownKey(mapping, random), wrongType("x", random));
            }
            case HUGE_VALUE -> slot.set(huge(random));
            case DEEP_NESTING -> slot.set(DEEP);
            default -> throw new IllegalArgumentException(kind + " is not structural");
        }
        return root;
    }

    private static Object wrongType(Object current, Random random) {
        List<Object> candidates = new ArrayList<>(List.of("text", 42, -1, 0, 3.5, -0.0, true, "", " ", "0", "-7",
                "2147483648", "1e309", "NaN", ".inf", "~", "null", "0x1F", "1_000", "2026-12-06", "10%", "200%",
                List.of(), List.of(1, "two", List.of()), new LinkedHashMap<>(Map.of("a", 1)), new LinkedHashMap<>()));
        candidates.add(null);
        Object replacement;
        do {
            replacement = candidates.get(random.nextInt(candidates.size()));
        } while (replacement != null && replacement.equals(current) && candidates.size() > 1);
        return replacement instanceof Map<?, ?> map ? new LinkedHashMap<>(map)
                : replacement instanceof List<?> list ? new ArrayList<>(list) : replacement;
    }

    private static Object huge(Random random) {
        return switch (random.nextInt(7)) {
            case 0 -> "9".repeat(40);
            case 1 -> Long.toString(Long.MAX_VALUE);
            case 2 -> "x".repeat(10_000 + random.nextInt(20_000)); // far past any field; SnakeYAML reads 50k slowly
            case 3 -> new ArrayList<>(java.util.Collections.nCopies(2_000, "item"));
            case 4 -> "99999999999999h";
            case 5 -> "1h".repeat(2_000);
            default -> -Double.MAX_VALUE;
        };
    }

    private static String unknownKey(Map<Object, Object> mapping, Random random) {
        if (!mapping.isEmpty() && random.nextBoolean()) {
            // a misspelling of a key that is there, the most common unknown key of all
            String known = String.valueOf(new ArrayList<>(mapping.keySet()).get(random.nextInt(mapping.size())));
            if (known.length() > 1) {
                int at = random.nextInt(known.length() - 1);
                return known.substring(0, at) + known.charAt(at + 1) + known.charAt(at) + known.substring(at + 2) + "_";
            }
        }
        return List.of("extra", "x-debug", "spec", "kind", "apiVersion", "__proto__", "ünknown", "")
                .get(random.nextInt(8));
    }

    @SuppressWarnings("unchecked")
    private static Object copy(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((key, value) -> copy.put(key, copy(value)));
            return copy;
        }
        if (node instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(item -> copy.add(copy(item)));
            return copy;
        }
        return node;
    }

    private static void collect(Object node, List<Slot> slots) {
        if (node instanceof Map<?, ?> map) {
            for (Object key : map.keySet()) {
                slots.add(new Slot(map, key));
                collect(map.get(key), slots);
            }
        } else if (node instanceof List<?> list && list.size() < 1000) {
            for (int index = 0; index < list.size(); index++) {
                slots.add(new Slot(list, index));
                collect(list.get(index), slots);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void collectMappings(Object node, List<Map<Object, Object>> mappings) {
        if (node instanceof Map<?, ?> map) {
            mappings.add((Map<Object, Object>) map);
            map.values().forEach(value -> collectMappings(value, mappings));
        } else if (node instanceof List<?> list && list.size() < 1000) {
            list.forEach(item -> collectMappings(item, mappings));
        }
    }

    private static String dump(Object tree, Random random) {
        String text = (random.nextInt(4) == 0 ? FLOW : BLOCK).get().dump(tree);
        int depth = 10 + random.nextInt(random.nextBoolean() ? 100 : 500); // the parsers stop at 50
        String deep = random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth) : "{a: ".repeat(depth) + "1" + "}".repeat(depth);
        return text.replace(DEEP, deep);
    }

    private static Yaml dumper(DumperOptions.FlowStyle style) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(style);
        options.setWidth(Integer.MAX_VALUE);
        return new Yaml(options);
    }

    // --- the text ----------------------------------------------------------------------------------------------------

    private static String mutateText(String text, Kind kind, Random random) {
        int at = text.isEmpty() ? 0 : random.nextInt(text.length() + 1);
        return switch (kind) {
            case CONTROL_CHARACTER -> {
                char[] controls = {'\0', '\u0001', '\u0007', '\b', '\u000b', '\f', '\r', '\u001b', '\u007f', '\u0085',
                        '\u200b', '\u202e', '\ufeff', '\ufffe', '\uffff', '\ud800'};
                yield text.substring(0, at) + controls[random.nextInt(controls.length)] + text.substring(at);
            }
            case ALIAS_BOMB -> aliasBomb(text, random);
            case DUPLICATE_KEY -> duplicateLine(text, random);
            case TRUNCATED -> text.substring(0, at);
            case SYNTAX_NOISE -> {
                List<String> noise = List.of(":", ": ", "- ", "{", "}", "[", "]", ",", "&", "&a ", "*", "*b ", "!",
                        "!!binary ", "!!python/object/apply:os.system ['true'] ", "!!float ", "!!set {a, b}", "\t",
                        "%YAML 1.1\n", "---\n", "...\n", "? ", "|", ">-\n", "'", "\"", "#", "@", "`", "\\", "<<: *a\n",
                        "\n  - x\n", "\n\n", " ", "key: value\n", "%TAG ! tag:x,2000:\n");
                yield text.substring(0, at) + noise.get(random.nextInt(noise.size())) + text.substring(at);
            }
            default -> throw new IllegalArgumentException(kind + " is structural");
        };
    }

    /** Billion laughs: each anchor holds ten aliases of the one before; one alias of the last refers to 10^n items. */
    private static String aliasBomb(String text, Random random) {
        int levels = 3 + random.nextInt(7);
        StringBuilder anchors = new StringBuilder("lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int level = 1; level < levels; level++) {
            String previous = "*lol" + (level - 1);
            anchors.append("lol").append(level).append(": &lol").append(level).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(10, previous))).append("]\n");
        }
        String lastAlias = "*lol" + (levels - 1);
        if (random.nextBoolean() || !text.contains(": ")) {
            return anchors + "bomb: " + lastAlias + "\n" + text;
        }
        // or in place of a value: the anchors first (unknown keys), the alias where the parser will read it
        List<Integer> values = new ArrayList<>();
        for (int index = text.indexOf(": "); index >= 0; index = text.indexOf(": ", index + 1)) {
            values.add(index);
        }
        int at = values.get(random.nextInt(values.size())) + 2;
        int end = text.indexOf('\n', at);
        return anchors + text.substring(0, at) + lastAlias + (end < 0 ? "" : text.substring(end));
    }

    private static String duplicateLine(String text, Random random) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        List<Integer> keyed = new ArrayList<>();
        for (int index = 0; index < lines.size(); index++) {
            if (lines.get(index).matches("\\s*(- )?[A-Za-z_]+:.*")) {
                keyed.add(index);
            }
        }
        if (keyed.isEmpty()) {
            return text + text; // a flow document twice: a second document, or garbage after the first
        }
        int index = keyed.get(random.nextInt(keyed.size()));
        String line = lines.get(index).replaceFirst("^(\\s*)- ", "$1  ");
        lines.add(index + 1, line);
        return String.join("\n", lines) + "\n";
    }
}
