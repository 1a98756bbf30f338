package dev.slipway.router;

/**
 * The router's clock for latency samples: whole seconds since the router started, from {@link System#nanoTime()}
 * (which never jumps), mapped to wall-clock milliseconds for the admin API.
 *
 * @param originNanos       {@link System#nanoTime()} when the router started
 * @param originEpochMillis the wall clock at that moment
 */
record SampleClock(long originNanos, long originEpochMillis) {

    static SampleClock start() {
        return new SampleClock(System.nanoTime(), System.currentTimeMillis());
    }

    /** The router second {@code nanos} (from {@link System#nanoTime()}) falls in. */
    long second(long nanos) {
        return (nanos - originNanos) / 1_000_000_000L;
    }

    long now() {
        return second(System.nanoTime());
    }

    /** The router second that wall-clock {@code epochMillis} falls in (negative before the router started). */
    long secondOf(long epochMillis) {
        return Math.floorDiv(epochMillis - originEpochMillis, 1000L);
    }

    /** Wall-clock milliseconds at the start of router second {@code second}. */
    long epochMillisOf(long second) {
        return originEpochMillis + second * 1000L;
    }
}
