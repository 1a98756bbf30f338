package dev.slipway.cli.demo;

import dev.slipway.controller.TimelineEntry;
import dev.slipway.model.support.DaemonThreads;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The demo's compact progress display: one line per event, and on a terminal a status line rewritten in
 * place (elapsed time, requests, failures, rate). Without a terminal the status line is printed every 10 s.
 */
public final class LiveView implements AutoCloseable {
    private final PrintStream out;
    private final Instant start;
    private final boolean terminal;
    private final ScheduledExecutorService ticker =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("slipway-live-view"));
    private volatile Supplier<String> status = () -> "";
    private volatile int statusWidth;

    public LiveView(PrintStream out, Instant start, boolean terminal) {
        this.out = out;
        this.start = start;
        this.terminal = terminal;
        long period = terminal ? 500 : 10_000;
        ticker.scheduleAtFixedRate(this::showStatus, period, period, TimeUnit.MILLISECONDS);
    }

    /** What the status line shows, recomputed at each tick. */
    public void status(Supplier<String> status) {
        this.status = status;
    }

    public synchronized void event(TimelineEntry entry) {
        line(String.format(Locale.ROOT, "%-58s %s", entry.event(), picture(entry)), entry.at());
    }

    public synchronized void message(String text) {
        line(text, Instant.now());
    }

    private void line(String text, Instant at) {
        clearStatus();
        out.printf(Locale.ROOT, "[%6.1fs] %s%n", seconds(at), text);
        out.flush();
    }

    /** weights, schema state and running binaries in one short column. */
    public static String picture(TimelineEntry entry) {
        String weights = entry.weights().isEmpty() ? "-" : entry.weights().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() + "%")
                .collect(Collectors.joining(" "));
        return String.format(Locale.ROOT, "| traffic %-22s | schema %-7s | running %s", weights,
                entry.schemaState().stream().map(String::valueOf).collect(Collectors.joining(",", "{", "}")),
                entry.runningVersions().isEmpty() ? "-" : String.join(", ", entry.runningVersions()));
    }

    private synchronized void showStatus() {
        String text = status.get();
        if (text.isEmpty()) {
            return;
        }
        String line = String.format(Locale.ROOT, "[%6.1fs] %s", seconds(Instant.now()), text);
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, statusWidth - line.length())));
            statusWidth = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    private void clearStatus() {
        if (terminal && statusWidth > 0) {
            out.print("\r" + " ".repeat(statusWidth) + "\r");
            statusWidth = 0;
        }
    }

    private double seconds(Instant at) {
        return (at.toEpochMilli() - start.toEpochMilli()) / 1000.0;
    }

    @Override
    public synchronized void close() {
        ticker.shutdownNow();
        clearStatus();
        out.flush();
    }
}
