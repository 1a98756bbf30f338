package dev.slipway.environments;

import java.time.Instant;

/**
 * An environment's stable release as its controller reports it ({@code GET /api/v1/stable}).
 *
 * @param since    when it last became stable (its promotion); the soak counts from here
 * @param requests the router's count of requests it answered since the router started (errors: 5xx and
 *                 upstream failures among them); -1 when the router could not be read
 * @param release  the release as YAML ({@code SpecWriter}), what a promotion carries to the next environment
 */
public record StableRelease(String version, Instant since, int replicas, int readyReplicas, long requests,
                            long errors, String release) {

    public double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }
}
