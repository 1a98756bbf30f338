package dev.slipway.controller.sequence;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Runs an action on a thread of its own and tells when it waits (for a lock, a latch, a reply) or has ended. */
final class Interleavings {
    private Interleavings() {
    }

    /** An action running on its own thread; its result or failure once it ended. */
    static final class Concurrent<T> {
        private final Thread thread;
        private final AtomicReference<T> result = new AtomicReference<>();
        private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

        private Concurrent(String name, Supplier<T> action) {
            thread = new Thread(() -> {
                try {
                    result.set(action.get());
                } catch (RuntimeException e) {
                    failure.set(e);
                }
            }, name);
            thread.setDaemon(true);
        }

        /** Whether the thread has ended, or waits for something another thread must do first. */
        boolean waitingOrDone() {
            Set<Thread.State> parked = EnumSet.of(Thread.State.BLOCKED, Thread.State.WAITING, Thread.State.TERMINATED);
            return parked.contains(thread.getState());
        }

        boolean done() {
            return thread.getState() == Thread.State.TERMINATED;
        }

        /** Waits for the end (at most 30 s) and returns the result, or empty when it failed. */
        T join() {
            try {
                thread.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " did not end within 30 s");
            }
            return result.get();
        }

        RuntimeException failure() {
            return failure.get();
        }
    }

    static <T> Concurrent<T> start(String name, Supplier<T> action) {
        Concurrent<T> concurrent = new Concurrent<>(name, action);
        concurrent.thread.start();
        return concurrent;
    }

    /** Whether some thread whose name starts with {@code prefix} is blocked entering a monitor. */
    static boolean threadBlocked(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.getName().startsWith(prefix) && thread.getState() == Thread.State.BLOCKED);
    }

    /** Waits until {@code condition} has held on two polls in a row, 20 ms apart; fails after 30 s. */
    static void awaitSteadily(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int seen = 0;
        while (seen < 2) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 30 s waiting until " + what);
            }
            seen = condition.getAsBoolean() ? seen + 1 : 0;
            ServiceUnderTest.sleep(20);
        }
    }
}
