package dev.slipway.server;

import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.MetricSample;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the dashboard charts: for each tick, each running version's share of the traffic and its error
 * rate and p99 latency the router counted over the last {@link #WINDOW} — the same counters the canary
 * analysis judges. Kept for the last {@link #CAPACITY} ticks, so a page opened mid-rollout shows the curve so far.
 */
final class LiveSeries {
    static final Duration WINDOW = Duration.ofSeconds(10);
    static final int CAPACITY = 600;

    /** One tick: when, the share of traffic per version (percent), and the measurements of the versions running then. */
    record Point(Instant at, Map<String, Integer> weights, Map<String, Measurement> versions) {
    }

    /** A version's traffic over the window; latency is absent when it had no request. */
    record Measurement(long requests, double errorRate, Optional<Double> p99Millis) {
    }

    private volatile MetricProvider metrics;
    private final Deque<Point> points = new ArrayDeque<>();
    /** Per version, the samples of the last window (oldest first), to difference against. */
    private final Map<String, List<Timed>> samples = new HashMap<>();

    private record Timed(Instant at, MetricSample sample) {
    }

    /** Where the counters come from; until set, points carry only the weight. */
    void use(MetricProvider provider) {
        this.metrics = provider;
    }

    /** Records one tick; unreadable counters (router restarting) leave that version out of the point. */
    synchronized void record(Instant now, Map<String, Integer> weights) {
        List<String> versions = List.copyOf(weights.keySet());
        Map<String, Measurement> measured = new HashMap<>();
        MetricProvider provider = metrics;
        if (provider != null) {
            for (String version : versions) {
                try {
                    measure(now, version, provider.sample(version)).ifPresent(m -> measured.put(version, m));
                } catch (RuntimeException unreadable) {
                    // the point simply lacks this version; the chart shows a gap
                }
            }
        }
        samples.keySet().retainAll(versions);
        points.addLast(new Point(now, Map.copyOf(weights), measured));
        while (points.size() > CAPACITY) {
            points.removeFirst();
        }
    }

    private Optional<Measurement> measure(Instant now, String version, MetricSample sample) {
        List<Timed> history = samples.computeIfAbsent(version, v -> new ArrayList<>());
        history.add(new Timed(now, sample));
        // keep the newest sample that is at least a window old as the window's start
        while (history.size() > 2 && !history.get(1).at().isAfter(now.minus(WINDOW))) {
            history.remove(0);
        }
        if (history.size() < 2) {
            return Optional.empty();
        }
        MetricSample window = sample.since(history.get(0).sample());
        if (window.requests() < 0) {
            // the router restarted and its counters began again: start the window over
            history.clear();
            history.add(new Timed(now, sample));
            return Optional.empty();
        }
        double p99 = window.latencyQuantileMillis(0.99);
        return Optional.of(new Measurement(window.requests(), window.errorRate(),
                window.requests() == 0 || Double.isInfinite(p99) ? Optional.empty() : Optional.of(p99)));
    }

    synchronized List<Point> points() {
        return new ArrayList<>(points);
    }

}
