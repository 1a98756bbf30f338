package dev.slipway.model;

import java.time.Duration;

/**
 * An HTTP health probe: GET {@code path} every {@code period}; {@code failureThreshold} failures in a row
 * mark the replica failed; failures during {@code startPeriod} after launch do not count.
 */
public record ProbeSpec(String path, Duration period, Duration timeout, int failureThreshold, Duration startPeriod) {
    public static ProbeSpec readinessDefault() {
        return new ProbeSpec("/ready", Duration.ofMillis(500), Duration.ofSeconds(1), 3, Duration.ofSeconds(60));
    }

    public static ProbeSpec livenessDefault() {
        return new ProbeSpec("/live", Duration.ofSeconds(5), Duration.ofSeconds(1), 3, Duration.ofSeconds(60));
    }
}
