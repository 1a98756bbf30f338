package dev.slipway.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Error messages about input, made fit for a terminal and a log line: a quoted value longer than 80 characters (an
 * expression or field of a hostile file) is shortened to its start and its length, the whole message to a few hundred
 * characters, and control and direction-changing characters (a terminal escape, a NUL, a right-to-left override) are
 * shown as a backslash, {@code u} and four hex digits instead of being printed. Line breaks and tabs stay.
 */
public final class TerminalText {
    private static final int LONGEST_QUOTE = 80;
    private static final int LONGEST_MESSAGE = 800;
    /**
     * A quoted value: its opening quote follows no letter or digit and precedes a non-blank, its closing quote the
     * reverse, so the text between two quoted values of one message ({@code 'a' is not 'b'}) and an apostrophe
     * ({@code the controller's}) are never taken for one.
     */
    private static final Pattern LONG_QUOTE = Pattern.compile(
            "(?<![\\p{Alnum}])(['\"])(?=\\S)([^'\"]{" + (LONGEST_QUOTE + 1) + ",})(?<=\\S)\\1(?![\\p{Alnum}])");

    private TerminalText() {
    }

    public static String of(String message) {
        if (message == null) {
            return null;
        }
        Matcher quoted = LONG_QUOTE.matcher(message);
        StringBuilder shortened = new StringBuilder();
        while (quoted.find()) {
            String quote = quoted.group(1);
            String value = quoted.group(2);
            quoted.appendReplacement(shortened, Matcher.quoteReplacement(quote + value.substring(0, LONGEST_QUOTE / 2)
                    + "..." + quote + " (" + value.length() + " characters)"));
        }
        quoted.appendTail(shortened);
        String text = shortened.length() <= LONGEST_MESSAGE ? shortened.toString()
                : shortened.substring(0, LONGEST_MESSAGE) + "... (" + shortened.length() + " characters)";
        return printable(text);
    }

    private static String printable(String text) {
        StringBuilder shown = new StringBuilder(text.length());
        text.codePoints().forEach(codePoint -> {
            int type = Character.getType(codePoint);
            boolean hidden = (Character.isISOControl(codePoint) && codePoint != '\n' && codePoint != '\t')
                    || type == Character.FORMAT || type == Character.SURROGATE || type == Character.UNASSIGNED
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
            if (hidden) {
                shown.append(String.format("\\u%04X", codePoint));
            } else {
                shown.appendCodePoint(codePoint);
            }
        });
        return shown.toString();
    }
}
