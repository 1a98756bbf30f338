package dev.slipway.model;

/**
 * A spec that cannot be accepted, located in its file: {@code slipway.yaml:14:7: release.replicas: ...}.
 * Lines and columns are 1-based. The message is made for a terminal: a long quoted value is shortened, and control
 * characters (a terminal escape in a hostile file, a NUL) are shown escaped rather than printed.
 */
public class SpecException extends RuntimeException {
    private final String file;
    private final int line;
    private final int column;
    private final String path;
    private final String problem;

    private static final int LONGEST_QUOTE = 80;
    private static final int LONGEST_PATH = 200;

    public SpecException(String file, int line, int column, String path, String problem) {
        super(printable(file + ":" + line + ":" + column + ": " + (path.isEmpty() ? "" : shorten(path, LONGEST_PATH) + ": ")
                + shortenQuotes(problem)));
        this.file = file;
        this.line = line;
        this.column = column;
        this.path = path;
        this.problem = problem;
    }

    public String file() { return file; }
    public int line() { return line; }
    public int column() { return column; }
    /** The dotted path of the offending field, e.g. {@code release.strategy.canary.steps[2].setWeight}. */
    public String path() { return path; }
    public String problem() { return problem; }

    /** A quoted value of 200 000 characters becomes its first characters and its length. */
    static String shortenQuotes(String text) {
        java.util.regex.Matcher quoted = java.util.regex.Pattern.compile("'([^']{" + (LONGEST_QUOTE + 1) + ",})'")
                .matcher(text);
        StringBuilder shortened = new StringBuilder();
        while (quoted.find()) {
            String value = quoted.group(1);
            quoted.appendReplacement(shortened, java.util.regex.Matcher.quoteReplacement(
                    "'" + value.substring(0, LONGEST_QUOTE / 2) + "...' (" + value.length() + " characters)"));
        }
        quoted.appendTail(shortened);
        return shorten(shortened.toString(), 4 * LONGEST_QUOTE + LONGEST_PATH);
    }

    private static String shorten(String text, int longest) {
        return text.length() <= longest ? text : text.substring(0, longest) + "... (" + text.length() + " characters)";
    }

    /** Control and direction-changing characters as a backslash, u and four hex digits: no message drives the terminal. */
    static String printable(String text) {
        StringBuilder shown = new StringBuilder(text.length());
        text.codePoints().forEach(codePoint -> {
            boolean control = Character.isISOControl(codePoint) || Character.getType(codePoint) == Character.FORMAT
                    || Character.getType(codePoint) == Character.SURROGATE || codePoint == 0xFFFE || codePoint == 0xFFFF;
            if (control) {
                shown.append(String.format("\\u%04X", codePoint));
            } else {
                shown.appendCodePoint(codePoint);
            }
        });
        return shown.toString();
    }
}
