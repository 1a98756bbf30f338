package dev.slipway.server;

import com.sun.net.httpserver.HttpExchange;
import dev.slipway.model.support.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Server-sent events ({@code text/event-stream}) of one snapshot that changes over time: the dashboard's live
 * view. One ticker builds the snapshot every {@code period}, only while someone listens, and sends it when it
 * changed (a comment line every {@link #KEEP_ALIVE} otherwise, so proxies and browsers keep the stream open).
 * <p>
 * A listener does not hold a request thread: its exchange stays open after the handler returns and is written
 * by a writer thread of its own choosing. A slow listener never holds up the others — it gets only the latest
 * snapshot once its previous write finishes (snapshots are whole states, so skipping one loses nothing).
 */
final class EventStream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final Supplier<byte[]> snapshot;
    private final Duration period;
    private final int maxListeners;
    private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("slipway-sse-tick"));
    private final ExecutorService writers = Executors.newCachedThreadPool(DaemonThreads.named("slipway-sse-write"));
    private final Object tickLock = new Object();
    private ScheduledFuture<?> ticking;
    private byte[] lastSent;
    private long lastSentNanos;

    /**
     * @param snapshot builds the current state as JSON; called on the ticker thread only
     * @param period   how often the snapshot is rebuilt while someone listens
     */
    EventStream(Supplier<byte[]> snapshot, Duration period, int maxListeners) {
        this.snapshot = snapshot;
        this.period = period;
        this.maxListeners = maxListeners;
    }

    /**
     * Takes over {@code exchange}: answers 200 with the stream headers and the current snapshot at once, then
     * keeps it open. Returns false (the caller answers 503) when {@code maxListeners} are listening already.
     */
    boolean subscribe(HttpExchange exchange) throws IOException {
        synchronized (tickLock) {
            if (listeners.size() >= maxListeners) {
                return false;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
            exchange.sendResponseHeaders(200, 0);
            Listener listener = new Listener(exchange);
            // the browser reconnects after 2 s when the stream breaks (e.g. the controller restarts)
            listener.out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
            listener.out.flush();
            listeners.add(listener);
            if (ticking == null) {
                lastSent = null;
                ticking = ticker.scheduleWithFixedDelay(this::tick, 0, period.toMillis(), TimeUnit.MILLISECONDS);
            } else if (lastSent != null) {
                listener.offer(lastSent);
            }
            return true;
        }
    }

    int listenerCount() {
        return listeners.size();
    }

    private void tick() {
        byte[] event;
        try {
            event = frame(snapshot.get());
        } catch (RuntimeException e) {
            log.warn("dashboard snapshot failed: {}", e.getMessage());
            event = frame(("{\"error\":" + JsonViews.JSON.valueToTree(e.getMessage()) + "}").getBytes(StandardCharsets.UTF_8));
        }
        synchronized (tickLock) {
            if (listeners.isEmpty()) {
                // nobody listens: stop building snapshots, so an unwatched controller pays nothing
                ticking.cancel(false);
                ticking = null;
                return;
            }
            long now = System.nanoTime();
            byte[] toSend = null;
            if (!java.util.Arrays.equals(event, lastSent)) {
                toSend = event;
                lastSent = event;
            } else if (now - lastSentNanos >= KEEP_ALIVE.toNanos()) {
                toSend = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);
            }
            if (toSend != null) {
                lastSentNanos = now;
                for (Listener listener : listeners) {
                    listener.offer(toSend);
                }
            }
        }
    }

    /** One {@code event: status} frame; JSON holds no raw newline, so one {@code data:} line suffices. */
    private static byte[] frame(byte[] json) {
        byte[] head = "event: status\ndata: ".getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[head.length + json.length + 2];
        System.arraycopy(head, 0, frame, 0, head.length);
        System.arraycopy(json, 0, frame, head.length, json.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        return frame;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        for (Listener listener : listeners) {
            listener.close();
        }
        writers.shutdownNow();
    }

    /** One open stream: the next bytes to write (latest wins) and whether a write is under way. */
    private final class Listener {
        private final HttpExchange exchange;
        private final OutputStream out;
        private final AtomicReference<byte[]> pending = new AtomicReference<>();
        private final AtomicBoolean writing = new AtomicBoolean();

        Listener(HttpExchange exchange) {
            this.exchange = exchange;
            this.out = exchange.getResponseBody();
        }

        void offer(byte[] bytes) {
            pending.set(bytes);
            if (writing.compareAndSet(false, true)) {
                try {
                    writers.execute(this::drain);
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    writing.set(false);
                }
            }
        }

        private void drain() {
            try {
                while (true) {
                    byte[] bytes = pending.getAndSet(null);
                    if (bytes == null) {
                        writing.set(false);
                        // an offer may have come between the empty read and the flag: take it, or leave it to the
                        // thread that set the flag again
                        if (pending.get() == null || !writing.compareAndSet(false, true)) {
                            return;
                        }
                        continue;
                    }
                    out.write(bytes);
                    out.flush();
                }
            } catch (IOException | RuntimeException gone) {
                // the browser went away (tab closed, reload): forget it
                close();
            }
        }

        void close() {
            listeners.remove(this);
            try {
                exchange.close();
            } catch (RuntimeException ignored) {
                // already closed by the peer
            }
        }
    }
}
