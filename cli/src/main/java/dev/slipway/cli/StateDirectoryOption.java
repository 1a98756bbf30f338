package dev.slipway.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --state-dir}: where {@code slipway up} keeps its data and publishes {@code api.json}. */
final class StateDirectoryOption {
    @Option(names = "--state-dir", defaultValue = ".slipway", paramLabel = "DIR",
            description = "The state directory of the running controller (default: ${DEFAULT-VALUE}).")
    Path stateDirectory;

    ApiClient client() {
        return ApiClient.fromStateDirectory(stateDirectory);
    }
}
