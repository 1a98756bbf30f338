package dev.slipway.examples.orders;

import java.time.Duration;
import java.util.Map;

/**
 * The faulty release's tunable defects besides failed requests, so analysis can be measured against each kind
 * of bad release: slower answers ({@code ORDERS_ADDED_LATENCY}: {@code 5ms} more per API request, or {@code 30%}
 * more than the request took) and a release that holds a heavy lock ({@code ORDERS_LOCK_HOLD}: each order write
 * locks the orders table against other writers for that long, in a share {@code ORDERS_LOCK_SHARE} of the
 * writes). None of them is on unless set; the healthy releases ignore them.
 *
 * @param addedLatency      a fixed delay added to each API request
 * @param addedLatencyShare a delay in proportion to the request's own time (0.3: 30 % slower)
 */
public record Faults(Duration addedLatency, double addedLatencyShare, Duration lockHold, double lockShare) {
    public static final Faults NONE = new Faults(Duration.ZERO, 0, Duration.ZERO, 1);

    public Faults {
        if (addedLatency.isNegative() || lockHold.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative");
        }
        if (!(addedLatencyShare >= 0 && addedLatencyShare <= 100)) {
            throw new IllegalArgumentException("ORDERS_ADDED_LATENCY: " + addedLatencyShare * 100 + "% is out of range");
        }
        if (!(lockShare >= 0 && lockShare <= 1)) {
            throw new IllegalArgumentException("ORDERS_LOCK_SHARE: " + lockShare + " is not a share (0..1)");
        }
    }

    /** Reads ORDERS_ADDED_LATENCY, ORDERS_LOCK_HOLD and ORDERS_LOCK_SHARE. */
    public static Faults fromEnvironment(Map<String, String> environment) {
        Duration added = Duration.ZERO;
        double share = 0;
        String latency = environment.get("ORDERS_ADDED_LATENCY");
        if (latency != null && !latency.isBlank()) {
            String text = latency.strip();
            if (text.endsWith("%")) {
                share = number("ORDERS_ADDED_LATENCY", text.substring(0, text.length() - 1)) / 100;
            } else {
                added = duration("ORDERS_ADDED_LATENCY", text);
            }
        }
        Duration hold = Duration.ZERO;
        String lock = environment.get("ORDERS_LOCK_HOLD");
        if (lock != null && !lock.isBlank()) {
            hold = duration("ORDERS_LOCK_HOLD", lock.strip());
        }
        String lockShare = environment.get("ORDERS_LOCK_SHARE");
        double writes = lockShare == null || lockShare.isBlank() ? 1 : number("ORDERS_LOCK_SHARE", lockShare.strip());
        return new Faults(added, share, hold, writes);
    }

    public Faults withAddedLatencyShare(double share) {
        return new Faults(addedLatency, share, lockHold, lockShare);
    }

    public Faults withLockHold(Duration hold) {
        return new Faults(addedLatency, addedLatencyShare, hold, lockShare);
    }

    /** {@code 250ms}, {@code 2s}, or plain milliseconds. */
    static Duration duration(String name, String text) {
        try {
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2).strip()));
            }
            if (text.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(text.substring(0, text.length() - 1).strip()) * 1000));
            }
            return Duration.ofMillis(Long.parseLong(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + text + "' is not a duration (e.g. 250ms, 2s)");
        }
    }

    private static double number(String name, String text) {
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + text + "' is not a number");
        }
    }
}
