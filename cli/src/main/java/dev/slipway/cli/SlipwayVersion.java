package dev.slipway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What {@code slipway --version} prints: the version baked into the jar at build time, and the Java it runs on. */
final class SlipwayVersion {
    private SlipwayVersion() {
    }

    static String[] lines() {
        Properties properties = new Properties();
        try (InputStream in = SlipwayVersion.class.getResourceAsStream("/slipway-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new String[] {"slipway " + properties.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
}
