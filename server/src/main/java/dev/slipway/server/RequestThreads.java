package dev.slipway.server;

import dev.slipway.model.support.DaemonThreads;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The API's few request threads, with a deadline on their network I/O: reading a request (line, headers, body) and
 * writing its response must each finish within {@code ioTimeout}, or the connection is closed. The JDK HttpServer
 * reads a request with a blocking read, without a timeout, on the very thread that then handles it; without this, a
 * client that sends half a request (or stops reading its answer) holds that thread forever, and a few such clients
 * hold all of them. A watchdog interrupts a thread whose I/O is overdue: interrupting a thread blocked on a
 * {@code SocketChannel} closes the channel (it is an {@code InterruptibleChannel}), which ends that exchange only.
 * <p>
 * Time spent computing an answer does not count: the handler disarms the deadline once the request's head is read
 * ({@link #requestHeadRead()}) and runs each later read or write through {@link #io(IoAction)}. A thread is never
 * interrupted while disarmed, so a database call in a handler is never cut short.
 */
final class RequestThreads implements Executor, AutoCloseable {
    private static final ThreadLocal<Watch> CURRENT = new ThreadLocal<>();

    private final ExecutorService threads;
    private final ScheduledExecutorService watchdog;
    private final Duration ioTimeout;
    private final Set<Watch> running = ConcurrentHashMap.newKeySet();

    RequestThreads(int count, Duration ioTimeout) {
        if (ioTimeout.isNegative() || ioTimeout.isZero()) {
            throw new IllegalArgumentException("the request timeout must be positive, not " + ioTimeout);
        }
        this.ioTimeout = ioTimeout;
        this.threads = Executors.newFixedThreadPool(count, DaemonThreads.named("slipway-api"));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("slipway-api-timeout"));
        long period = Math.max(10, ioTimeout.toMillis() / 4);
        watchdog.scheduleAtFixedRate(this::interruptOverdue, period, period, TimeUnit.MILLISECONDS);
    }

    /** Runs one exchange (or one response write) with its deadline armed from the start. */
    @Override
    public void execute(Runnable exchange) {
        threads.execute(() -> {
            Watch watch = new Watch(Thread.currentThread(), ioTimeout);
            watch.arm();
            CURRENT.set(watch);
            running.add(watch);
            try {
                exchange.run();
            } finally {
                running.remove(watch);
                watch.disarm();
                CURRENT.remove();
                Thread.interrupted(); // a late interrupt must not reach the next exchange on this thread
            }
        });
    }

    /**
     * The request's line and headers are read: its handler's own work is not timed. Throws when the deadline passed
     * just as the head arrived (the connection is closing then).
     */
    static void requestHeadRead() throws IOException {
        Watch watch = CURRENT.get();
        if (watch != null && watch.disarm()) {
            throw timedOut();
        }
    }

    /** Runs a read of the request body or a write of the response under the deadline. */
    static <T> T io(IoAction<T> action) throws IOException {
        Watch watch = CURRENT.get();
        if (watch == null) {
            return action.run(); // not on a request thread: nothing to guard
        }
        watch.arm();
        try {
            T result = action.run();
            if (watch.disarm()) {
                throw timedOut(); // done, but the watchdog was quicker: the channel is closed or closing
            }
            return result;
        } finally {
            watch.disarm();
        }
    }

    /** Whether this request thread's current exchange ran out of time (its connection is closed). */
    static boolean timedOutHere() {
        Watch watch = CURRENT.get();
        return watch != null && watch.overdue();
    }

    private static InterruptedIOException timedOut() {
        Thread.interrupted();
        return new InterruptedIOException("request timed out");
    }

    private void interruptOverdue() {
        long now = System.nanoTime();
        for (Watch watch : running) {
            watch.interruptIfOverdue(now);
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        threads.shutdownNow();
    }

    /** A read or a write of an exchange. */
    @FunctionalInterface
    interface IoAction<T> {
        T run() throws IOException;
    }

    /** One exchange's deadline; armed and disarmed by its thread, checked by the watchdog, under its monitor. */
    private static final class Watch {
        private final Thread thread;
        private final long timeoutNanos;
        private long deadline;
        private boolean armed;
        private boolean overdue;

        Watch(Thread thread, Duration timeout) {
            this.thread = thread;
            this.timeoutNanos = timeout.toNanos();
        }

        synchronized void arm() {
            deadline = System.nanoTime() + timeoutNanos;
            armed = true;
        }

        /** Disarms; true when the watchdog already interrupted this exchange. */
        synchronized boolean disarm() {
            armed = false;
            return overdue;
        }

        synchronized boolean overdue() {
            return overdue;
        }

        synchronized void interruptIfOverdue(long now) {
            if (armed && now - deadline >= 0) {
                overdue = true;
                armed = false;
                thread.interrupt();
            }
        }
    }
}
