package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code rollout status --watch}: the dashboard's snapshot as a few lines of text with progress bars — the
 * strategy's steps, the canary's weight and a backfill in flight — above the usual status lines.
 */
final class WatchView {
    static final int BAR = 24;

    private WatchView() {
    }

    static String render(JsonNode snapshot) {
        JsonNode status = snapshot.path("status");
        JsonNode rollout = status.path("rollout");
        List<String> lines = new ArrayList<>();
        lines.add(StatusView.rollout(status).lines().findFirst().orElse(""));
        if (rollout.isObject() && !StatusView.rolloutFinished(status)) {
            JsonNode steps = snapshot.path("steps");
            int step = rollout.path("step").asInt();
            if (steps.size() > 0) {
                String current = step < steps.size() ? "  ▶ " + steps.get(step).asText() : "";
                lines.add("  steps    " + bar(step, steps.size()) + "  " + Math.min(step + 1, steps.size()) + "/"
                        + steps.size() + current);
            }
            lines.add("  canary   " + bar(rollout.path("weight").asInt(), 100) + "  " + rollout.path("weight").asInt() + "%");
        }
        JsonNode backfill = snapshot.path("backfill");
        if (backfill.isObject() && status.path("migration").isObject()) {
            long done = backfill.path("done").asLong();
            long total = backfill.path("total").asLong();
            String rate = backfill.path("running").asBoolean()
                    ? " · " + backfill.path("rowsPerSecond").asLong() + " rows/s"
                    + (backfill.path("etaSeconds").isNull() ? "" : " · ETA " + backfill.path("etaSeconds").asLong() + "s")
                    : " · done";
            lines.add("  backfill " + bar(done, Math.max(total, 1)) + "  " + done + "/" + total + " rows of "
                    + backfill.path("table").asText() + rate);
        }
        lines.add(StatusView.rollout(status).lines().skip(1).findFirst().orElse(""));
        return String.join(System.lineSeparator(), lines);
    }

    /** {@code [██████░░░░░░]}: {@code done} of {@code total}, in {@link #BAR} cells. */
    static String bar(long done, long total) {
        int filled = (int) Math.max(0, Math.min(BAR, Math.round((double) BAR * done / total)));
        return "[" + "█".repeat(filled) + "░".repeat(BAR - filled) + "]";
    }
}
