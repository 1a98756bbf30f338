package dev.slipway.environments;

import java.time.Duration;
import java.util.Optional;

/**
 * How a release reaches an environment: it must have been the stable release of {@code from} for {@code soak},
 * healthy (every replica ready) and with no other rollout running there; optionally with an error rate no higher
 * than {@code maxErrorRate} over at least {@code minRequests} requests, and with a person's approval.
 */
public record Promotion(String from, Duration soak, Optional<Double> maxErrorRate, long minRequests,
                        boolean approval) {
}
