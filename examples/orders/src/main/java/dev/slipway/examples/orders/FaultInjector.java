package dev.slipway.examples.orders;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides which requests the faulty release fails, slows or makes hold a lock. Independent random draws per
 * request, so that every client and every traffic share sees roughly the configured rates.
 */
record FaultInjector(double rate, Faults faults) {

    FaultInjector(double rate) {
        this(rate, Faults.NONE);
    }

    boolean shouldFail() {
        return rate > 0.0 && ThreadLocalRandom.current().nextDouble() < rate;
    }

    /** Waits as much longer as the faulty release answers slower than the request took so far. */
    void delay(long startedNanos) {
        long extra = faults.addedLatency().toNanos()
                + (long) ((System.nanoTime() - startedNanos) * faults.addedLatencyShare());
        if (extra > 0) {
            try {
                Thread.sleep(extra / 1_000_000, (int) (extra % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How long this order write holds the lock on the orders table, or zero. */
    Duration lockHold() {
        if (faults.lockHold().isZero() || ThreadLocalRandom.current().nextDouble() >= faults.lockShare()) {
            return Duration.ZERO;
        }
        return faults.lockHold();
    }
}
