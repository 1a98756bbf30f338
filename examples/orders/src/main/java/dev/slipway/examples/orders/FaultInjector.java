package dev.slipway.examples.orders;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides which requests the faulty release fails. Independent random draws per request, so
 * that every client and every traffic share sees roughly the configured rate.
 */
record FaultInjector(double rate) {

    boolean shouldFail() {
        return rate > 0.0 && ThreadLocalRandom.current().nextDouble() < rate;
    }
}
