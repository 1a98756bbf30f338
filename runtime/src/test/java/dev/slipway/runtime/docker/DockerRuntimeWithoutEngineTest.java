package dev.slipway.runtime.docker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DockerRuntimeWithoutEngineTest {

    @Test
    void aMissingEngineIsReportedWithItsAddressAndAHint(@TempDir Path stateDirectory) {
        URI nowhere = URI.create("unix://" + stateDirectory.resolve("no-docker.sock"));

        assertThatThrownBy(() -> new DockerRuntime(stateDirectory, nowhere))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot reach the Docker engine at " + nowhere + ": ")
                .hasMessageEndingWith("(is dockerd running, and may this user open its socket?)");
    }
}
