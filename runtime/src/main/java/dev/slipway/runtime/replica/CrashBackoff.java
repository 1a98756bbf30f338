package dev.slipway.runtime.replica;

import java.time.Duration;

/**
 * How long a replica whose process crashed after it had been ready waits before it is started again: 1 s after the
 * first crash, then twice as long after each further crash in a row (2 s, 4 s, 8 s ...), at most 30 s, so a release
 * that crashes in a loop neither spins the machine nor is given up on (as Kubernetes' CrashLoopBackOff, which starts
 * at 10 s and stops at 5 min; a local replica starts faster). A run that lasted {@link #FORGIVEN} starts again at 1 s.
 */
public final class CrashBackoff {
    public static final Duration FIRST = Duration.ofSeconds(1);
    public static final Duration MAX = Duration.ofSeconds(30);
    public static final Duration FORGIVEN = Duration.ofSeconds(60);

    private CrashBackoff() {
    }

    /** The wait before the next start after {@code crashesInARow} crashes (1 for the first). */
    public static Duration delay(int crashesInARow) {
        if (crashesInARow < 1) {
            throw new IllegalArgumentException("crashes in a row: " + crashesInARow + " is not positive");
        }
        long millis = FIRST.toMillis() << Math.min(crashesInARow - 1, 20);
        return Duration.ofMillis(Math.min(millis, MAX.toMillis()));
    }
}
