package dev.slipway.model;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code {{args.NAME}}} placeholders of analysis templates. Slipway fills in the built-in arguments itself
 * when an analysis starts: {@code service}, {@code canary} (the new release's revision), {@code stable} and
 * {@code baseline} (the experiment's baseline revision while an experiment runs, the stable revision otherwise).
 */
public final class AnalysisArgs {
    public static final List<String> BUILT_IN = List.of("service", "canary", "stable", "baseline");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*args\\.([A-Za-z_][A-Za-z0-9_-]*)\\s*}}");
    private static final Pattern ANY_BRACES = Pattern.compile("\\{\\{(.*?)}}");

    private AnalysisArgs() {
    }

    /** The argument names a text refers to, in order. @throws IllegalArgumentException for a malformed placeholder */
    public static Set<String> referenced(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher any = ANY_BRACES.matcher(text);
        while (any.find()) {
            Matcher placeholder = PLACEHOLDER.matcher(any.group());
            if (!placeholder.matches()) {
                if (any.group(1).strip().equals("revision")) {
                    continue; // statistical Prometheus series: filled per revision by the judge
                }
                throw new IllegalArgumentException("'" + any.group() + "' is not a placeholder; write {{args.NAME}}");
            }
            names.add(placeholder.group(1));
        }
        return names;
    }

    /** Replaces every {@code {{args.NAME}}} by its value. @throws IllegalArgumentException for an unknown one */
    public static String substitute(String text, Map<String, String> values) {
        Matcher matcher = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = values.get(matcher.group(1));
            if (value == null) {
                throw new IllegalArgumentException("no value for {{args." + matcher.group(1) + "}}");
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /** The name a revision's database sessions carry in {@code application_name}: {@code service/revision}. */
    public static String applicationName(String service, String revision) {
        return service + "/" + revision;
    }
}
