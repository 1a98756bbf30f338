package dev.slipway.controller.sequence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The wall clock plus an offset a test moves forward: a due time is reached when the test says so, not when a loaded
 * machine happens to get there (a 2 s contractAfter could pass during a slow apply and change what a test drives).
 */
public final class AdjustableClock extends Clock {
    private volatile Duration offset = Duration.ZERO;

    public void advance(Duration by) {
        offset = offset.plus(by);
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the controller works in UTC");
    }
}
