package dev.slipway.router;

import java.util.List;

/**
 * A revision behind the router: its ready endpoints and its share of traffic. Weights are relative
 * (the router sends {@code weight / sum(weights)} of requests here); endpoints share it round-robin.
 */
public record Backend(String revision, int weight, List<Endpoint> endpoints) {
    public Backend {
        if (weight < 0) {
            throw new IllegalArgumentException("weight " + weight + " of " + revision + " is negative");
        }
        endpoints = List.copyOf(endpoints);
    }
}
