package dev.slipway.cli;

import dev.slipway.model.SpecParser;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code slipway apply -f slipway.yaml}: makes the spec's release the desired one on the running controller. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Sends slipway.yaml to the running controller: its release is deployed (first release) or",
                "rolled out with its strategy. Refused at once when the release cannot read the schema state.",
                "Only the release is applied; database, runtime and router take effect at the next slipway up.",
                "The file is checked first, with or without a controller (slipway lint checks it alone)."})
final class ApplyCommand implements Callable<Integer> {

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The service spec (slipway.yaml).")
    Path file;

    @Mixin
    StateDirectoryOption state;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        String text = Files.readString(file);
        // The file first: a spec error is the user's next step whether or not a controller runs.
        SpecParser.parse(file.toString(), text);
        ApiClient client = state.client();
        ApiClient.ApiResponse response = client.post("/api/v1/apply?file=" + Queries.encode(file.toString()), text);
        if (!response.ok()) {
            return ApiAnswers.exitCode(response, spec.commandLine().getErr());
        }
        spec.commandLine().getOut().println("applying " + client.service() + " " + response.body().path("version").asText()
                + " (follow it with: slipway rollout status --watch)");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
