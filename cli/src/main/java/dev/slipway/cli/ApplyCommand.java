package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.model.SpecParser;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/** {@code slipway apply -f slipway.yaml}: makes the spec's release the desired one on the running controller. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Sends slipway.yaml to the running controller: its release is deployed (first release) or",
                "rolled out with its strategy. Refused at once when the release cannot read the schema state",
                "(exit 1 with the guard's reason; --force with a backup overrides it). Returns once the rollout is",
                "recorded, so `slipway rollout status` shows it from then on; with --watch, follows it to its end",
                "and exits 0 when it was promoted and 1 when it was aborted.",
                "Only the release is applied; database, runtime and router take effect at the next slipway up.",
                "The file is checked first, with or without a controller (slipway lint checks it alone)."})
final class ApplyCommand implements Callable<Integer> {

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The service spec (slipway.yaml).")
    Path file;

    @Option(names = "--watch", description = "Follow the rollout until it is promoted (exit 0) or aborted (exit 1).")
    boolean watch;

    @Mixin
    StateDirectoryOption state;

    @Mixin
    ForceOptions force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        String text = Files.readString(file);
        // The file first: a spec error is the user's next step whether or not a controller runs.
        SpecParser.parse(file.toString(), text);
        String path = force.appendTo("/api/v1/apply?file=" + Queries.encode(file.toString()));
        ApiClient client = state.client();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ApiClient.ApiResponse response = client.post(path, text);
        if (!response.ok()) {
            return ApiAnswers.exitCode(response, err);
        }
        JsonNode rollout = response.body().path("rollout");
        out.println("applying " + client.service() + " " + response.body().path("version").asText() + " (rollout "
                + rollout.path("id").asLong() + (rollout.path("from").isNull() ? ", first deploy" : " from "
                + rollout.path("from").asText()) + ")" + (watch ? "" : "; follow it with: slipway rollout status --watch"));
        out.flush();
        if (!watch) {
            return 0;
        }
        return new RolloutWatch(client, out, err, OutputOption.Format.table, false).follow(true, OptionalLong.of(rollout.path("id").asLong()));
    }
}
