package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Follows a rollout through the API until it ends, printing what changes: {@code rollout status --watch} and
 * {@code apply --watch}. Exit codes: 0 promoted, 1 aborted (or the controller answered with an error).
 */
final class RolloutWatch {
    private static final Duration POLL = Duration.ofSeconds(1);

    private final ApiClient client;
    private final PrintWriter out;
    private final PrintWriter err;
    private final OutputOption.Format format;
    private final boolean progressBars;

    /**
     * @param progressBars with a table: watch with the progress bars of the dashboard's snapshot (redrawn in place
     *                     on a terminal) instead of the status lines
     */
    RolloutWatch(ApiClient client, PrintWriter out, PrintWriter err, OutputOption.Format format, boolean progressBars) {
        this.client = client;
        this.out = out;
        this.err = err;
        this.format = format;
        this.progressBars = progressBars;
    }

    /** Shows the status once; with {@code watch}, until the rollout in it (or {@code rolloutId}) ends. */
    int follow(boolean watch, OptionalLong rolloutId) throws InterruptedException {
        // a watched table shows progress bars (the dashboard's snapshot); on a terminal it is redrawn in place
        boolean bars = watch && progressBars && format == OutputOption.Format.table;
        boolean redraw = bars && System.console() != null;
        String last = null;
        while (true) {
            ApiClient.ApiResponse response = client.get(bars ? "/api/v1/dashboard/snapshot" : "/api/v1/status");
            if (!response.ok()) {
                return ApiAnswers.exitCode(response, err);
            }
            JsonNode status = bars ? response.body().path("status") : response.body();
            String shown = bars ? WatchView.render(response.body()) : OutputOption.render(format, status,
                    () -> StatusView.rollout(status));
            // only changes are printed, so the output stays a readable log rather than a flood
            if (!shown.equals(last)) {
                if (redraw && last != null) {
                    // cursor up over the previous drawing, then clear to the end of the screen
                    out.print("\u001b[" + last.lines().count() + "F\u001b[J");
                }
                out.println(shown);
                out.flush();
                last = shown;
            }
            JsonNode rollout = status.path("rollout");
            if (rolloutId.isPresent() && rollout.path("id").asLong() != rolloutId.getAsLong()) {
                err.println("error: rollout " + rolloutId.getAsLong() + " is no longer the latest (now "
                        + rollout.path("id").asLong() + " to " + rollout.path("to").asText() + "); see rollout history");
                err.flush();
                return 1;
            }
            if (!watch || StatusView.rolloutFinished(status)) {
                return watch && rollout.path("phase").asText().equals("ABORTED") ? 1 : 0;
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
