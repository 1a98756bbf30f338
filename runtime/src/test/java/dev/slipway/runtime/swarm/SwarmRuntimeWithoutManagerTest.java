package dev.slipway.runtime.swarm;

import dev.slipway.testkit.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code runtime: swarm} with no manager to talk to fails at once, saying where it looked; nothing is made. */
class SwarmRuntimeWithoutManagerTest {

    @Test
    void aManagerSocketThatDoesNotExistIsReportedWithItsAddress(@TempDir Path stateDirectory) {
        URI nowhere = URI.create("unix://" + stateDirectory.resolve("no-manager.sock"));

        assertThatThrownBy(() -> new SwarmRuntime(stateDirectory, SwarmSettings.defaults().withManager(nowhere)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot reach the Docker engine at " + nowhere + ": ")
                .hasMessageEndingWith("(is dockerd running, and may this user open its socket?)");
    }

    @Test
    void aManagerAddressWhereNothingListensIsReportedWithItsAddress(@TempDir Path stateDirectory) {
        URI nowhere = URI.create("tcp://127.0.0.1:" + TestServices.freePort());

        assertThatThrownBy(() -> new SwarmRuntime(stateDirectory, SwarmSettings.defaults().withManager(nowhere)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot reach the Docker engine at " + nowhere + ": ");
    }
}
