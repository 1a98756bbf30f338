package dev.slipway.model.support;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for Slipway's background work: named after what they do, so a thread dump reads, and daemons, because a
 * forgotten {@code close()} must not keep the JVM alive.
 */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
    public static ThreadFactory named(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> daemon(runnable, prefix + "-" + counter.incrementAndGet());
    }

    /** Threads all named {@code name}: for an executor that only ever has one. */
    public static ThreadFactory single(String name) {
        return runnable -> daemon(runnable, name);
    }

    /** One daemon thread running {@code work}, not started yet. */
    public static Thread daemon(Runnable work, String name) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        return thread;
    }
}
