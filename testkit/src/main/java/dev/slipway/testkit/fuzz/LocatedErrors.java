package dev.slipway.testkit.fuzz;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an error about bad input must look like to a user: located, short, and free of Java internals. */
public final class LocatedErrors {
    /** Longer messages are echoing the input back rather than saying what is wrong with it. */
    public static final int MAX_LENGTH = 1000;
    private static final Pattern INTERNALS = Pattern.compile("java\\.|javax\\.|org\\.yaml|Exception|\\bat [a-z]+\\.[a-z]+\\.");

    private LocatedErrors() {
    }

    /** {@code message} starts with {@code file:line:column: }, the line within the text, and reads as prose. */
    public static void assertLocated(String message, String file, String text) {
        Matcher located = Pattern.compile("^" + Pattern.quote(file) + ":(\\d+):(\\d+): ").matcher(message);
        assertTrue(located.find(), () -> "not located at " + file + ":line:column: " + shorten(message));
        // YAML 1.1 also breaks lines at NEL, LS and PS, which String.lines() does not
        long lines = 1 + Pattern.compile("\r\n|[\n\r\u0085\u2028\u2029]").matcher(text).results().count();
        int line = Integer.parseInt(located.group(1));
        assertTrue(line >= 1 && line <= lines + 1, () -> "line " + line + " is outside the " + lines + " lines: " + shorten(message));
        assertReadable(message);
    }

    /** Short and free of class names and stack frames. */
    public static void assertReadable(String message) {
        assertTrue(message.length() <= MAX_LENGTH, () -> "a message of " + message.length() + " characters: "
                + shorten(message));
        assertTrue(!INTERNALS.matcher(message).find(), () -> "Java internals in the message: " + shorten(message));
        assertTrue(message.codePoints().noneMatch(c -> (Character.isISOControl(c) && c != '\n' && c != '\t')
                        || Character.getType(c) == Character.FORMAT),
                () -> "control characters in the message (a terminal would act on them): " + shorten(message));
    }

    private static String shorten(String message) {
        return message.length() > 600 ? message.substring(0, 600) + "... (" + message.length() + " chars)" : message;
    }
}
