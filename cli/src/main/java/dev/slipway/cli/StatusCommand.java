package dev.slipway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** {@code slipway status}: what runs, what the schema reads, and the rollout, from the running controller. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows the running binaries (with the schema versions they read), the schema state and the",
                "rollout in progress or the last one, from the controller that slipway up runs here."})
final class StatusCommand implements Callable<Integer> {

    @Mixin
    StateDirectoryOption state;

    @Mixin
    OutputOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ApiClient.ApiResponse response = state.client().get("/api/v1/status");
        if (!response.ok()) {
            return ApiAnswers.exitCode(response, spec.commandLine().getErr());
        }
        spec.commandLine().getOut().println(output.render(response.body(), () -> StatusView.line(response.body())));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
