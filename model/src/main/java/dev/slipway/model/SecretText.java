package dev.slipway.model;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A spec value that may name environment variables, {@code ${SLACK_WEBHOOK_URL}} or
 * {@code "Bearer ${OPS_TOKEN}"}: secrets stay out of {@code slipway.yaml} and are read from the controller's
 * environment when used. The record keeps the template and where it was written, so a missing variable is a
 * located error and a printed spec never shows the secret.
 */
public record SecretText(String template, String file, int line, int column, String path) {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]*)}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Reads a value, checking that every {@code ${...}} names a variable. */
    static SecretText of(SpecNode node) {
        String text = node.nonBlankString();
        Matcher matcher = VARIABLE.matcher(text);
        while (matcher.find()) {
            if (!NAME.matcher(matcher.group(1)).matches()) {
                throw node.error("'${" + matcher.group(1) + "}' is not an environment variable name");
            }
        }
        if (text.replaceAll(VARIABLE.pattern(), "").contains("${")) {
            throw node.error("an unclosed '${' in '" + text + "'");
        }
        return new SecretText(text, node.file(), node.line(), node.column(), node.path());
    }

    /** A literal value (tests, programmatic specs). */
    public static SecretText literal(String text) {
        return new SecretText(text, "(literal)", 1, 1, "");
    }

    /**
     * The value with every variable replaced from {@code environment}.
     *
     * @throws SpecException located at the value, naming the first variable that is not set
     */
    public String resolve(Function<String, String> environment) {
        Matcher matcher = VARIABLE.matcher(template);
        StringBuilder resolved = new StringBuilder();
        while (matcher.find()) {
            String value = environment.apply(matcher.group(1));
            if (value == null) {
                throw new SpecException(file, line, column, path, "environment variable " + matcher.group(1)
                        + " is not set in the controller's environment");
            }
            matcher.appendReplacement(resolved, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(resolved);
        return resolved.toString();
    }

    /** Whether the value reads the environment at all (then it is treated as a secret in logs). */
    public boolean hasVariables() {
        return VARIABLE.matcher(template).find();
    }

    /** The template as written; secrets appear only as their variable names. */
    @Override
    public String toString() {
        return template;
    }
}
