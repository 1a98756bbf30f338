package dev.slipway.controller.sequence;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the test output readable without a logback-test.xml (shared with other test packages): warnings only,
 * and the controller's expected complaints about refused or failed applies at WARN.
 */
public final class QuietLogs {
    private QuietLogs() {
    }

    public static void apply() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.WARN);
        }
    }
}
