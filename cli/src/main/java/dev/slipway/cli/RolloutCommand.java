package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/**
 * {@code slipway rollout status|promote|abort|retry|undo|history}: progressive delivery on the running
 * controller, through its API. Refusals print the guard's message and exit 1.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = "Progressive delivery on the controller that slipway up runs here.",
        subcommands = {RolloutCommand.Status.class, RolloutCommand.Promote.class, RolloutCommand.Abort.class,
                RolloutCommand.Retry.class, RolloutCommand.Undo.class, RolloutCommand.History.class})
final class RolloutCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Shared by the subcommands: the state directory and where output goes. */
    abstract static class ApiSubcommand implements Callable<Integer> {
        @Mixin
        StateDirectoryOption state;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** Posts, and prints {@code done} on success or the server's message on failure. */
        int post(String path, String body, String done) {
            ApiClient.ApiResponse response = state.client().post(path, body);
            if (!response.ok()) {
                return ApiAnswers.exitCode(response, spec.commandLine().getErr());
            }
            out().println(done);
            out().flush();
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Shows the rollout in progress (or the last one) and what runs.",
                    "With --watch, refreshes every second until the rollout is promoted or aborted, with a",
                    "progress bar for the steps, the canary's weight and a backfill in flight;",
                    "then exits 0 when it was promoted and 1 when it was aborted."})
    static final class Status extends ApiSubcommand {
        @Option(names = "--watch", description = "Refresh every second until the rollout finishes.")
        boolean watch;

        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws InterruptedException {
            return new RolloutWatch(state.client(), out(), spec.commandLine().getErr(), output.format(), true)
                    .follow(watch, OptionalLong.empty());
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = {"Ends the current pause (timed, indefinite or after an inconclusive analysis);",
                    "with --full, skips every remaining step and promotes now."})
    static final class Promote extends ApiSubcommand {
        @Option(names = "--full", description = "Skip the remaining steps and promote now.")
        boolean full;

        @Override
        public Integer call() {
            return post("/api/v1/rollout/promote?full=" + full, "", full ? "promoting now" : "promote requested");
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Stops the rollout: all traffic goes back to stable and the new release is removed.")
    static final class Abort extends ApiSubcommand {
        @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the audit history.")
        String reason;

        @Override
        public Integer call() {
            return post("/api/v1/rollout/abort", reason == null ? "" : reason, "abort requested");
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = {"Runs the last aborted rollout again from its first step; returns once it is recorded.",
                    "Refused when its release cannot read the schema state (now): --force with a backup overrides."})
    static final class Retry extends ApiSubcommand {
        @Mixin
        ForceOptions force;

        @Override
        public Integer call() {
            return post(force.appendTo("/api/v1/rollout/retry"), "", "retry started");
        }
    }

    @Command(name = "undo", mixinStandardHelpOptions = true,
            description = {"Goes back to an earlier release (by default the one the last rollout replaced): at once",
                    "while blue-green still keeps it running, otherwise as a rollout that switches all traffic.",
                    "Refused when that release cannot read the schema state; --force with a backup overrides",
                    "(the release may then fail against the schema: restore the backup to go back)."})
    static final class Undo extends ApiSubcommand {
        @Option(names = "--to", paramLabel = "VERSION", description = "The release to go back to.")
        String version;

        @Mixin
        ForceOptions force;

        @Override
        public Integer call() {
            String path = force.appendTo("/api/v1/rollout/undo" + (version == null ? "" : "?to=" + Queries.encode(version)));
            return post(path, "", "undo started" + (version == null ? "" : " (to " + version + ")"));
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "The audit history of the service, newest first: who asked for what, and what came of it.")
    static final class History extends ApiSubcommand {
        @Option(names = "--limit", defaultValue = "20", paramLabel = "N", description = "At most N entries (default: ${DEFAULT-VALUE}).")
        int limit;

        @Mixin
        OutputOption output;

        @Override
        public Integer call() {
            ApiClient.ApiResponse response = state.client().get("/api/v1/rollout/history?limit=" + limit);
            if (!response.ok()) {
                return ApiAnswers.exitCode(response, spec.commandLine().getErr());
            }
            out().println(output.render(response.body(), () -> historyTable(response.body())));
            out().flush();
            return 0;
        }
    }

    /** The audit history, one entry a line (its detail indented below it). */
    static String historyTable(JsonNode history) {
        StringBuilder text = new StringBuilder();
        for (JsonNode entry : history.path("entries")) {
            String detail = entry.path("detail").asText("");
            text.append(entry.path("at").asText()).append("  ").append(entry.path("actor").asText()).append("  ")
                    .append(entry.path("action").asText()).append("  ").append(entry.path("outcome").asText());
            if (!detail.isEmpty()) {
                text.append(System.lineSeparator()).append("    ").append(detail.replace("\n", "\n    "));
            }
            text.append(System.lineSeparator());
        }
        return text.toString().stripTrailing();
    }
}
