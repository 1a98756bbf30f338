package dev.slipway.controller.sequence;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stops the first thread that reaches a chosen point of a fake (a replica start, an audit write) until the test
 * releases it, so a test can drive one interleaving of two actions on purpose instead of hoping for it. Only the
 * first arrival is held; later ones pass.
 */
public final class Hold {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private final AtomicBoolean taken = new AtomicBoolean();
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    /** Called by the fake at the held point: blocks the first caller until {@link #release()}. */
    public void arrive() {
        if (!taken.compareAndSet(false, true)) {
            return;
        }
        reached.countDown();
        try {
            if (!released.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("held for " + LIMIT.toSeconds() + " s and never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while held", e);
        }
    }

    /** Waits until a thread is held; fails after 30 s. */
    public void awaitHeld(String what) {
        try {
            if (!reached.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("nothing reached the hold within 30 s: " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean held() {
        return reached.getCount() == 0;
    }

    public void release() {
        released.countDown();
    }
}
