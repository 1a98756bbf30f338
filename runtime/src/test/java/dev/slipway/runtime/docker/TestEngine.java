package dev.slipway.runtime.docker;

import dev.slipway.runtime.replica.ReplicaLabels;
import dev.slipway.testkit.TestServices;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Docker engine for tests, through the docker CLI (the code under test uses the API; the tests check its work
 * with a second opinion). Skipping or failing without an engine is testkit's {@link TestServices#requireDockerEngine}.
 */
final class TestEngine {
    private TestEngine() {
    }

    /** Force-removes every container, running or not, labelled with that state directory. */
    static void removeContainersOf(Path stateDirectory) {
        List<String> ids = containersOf(stateDirectory);
        if (!ids.isEmpty()) {
            List<String> remove = new ArrayList<>(List.of("docker", "rm", "-f"));
            remove.addAll(ids);
            TestServices.run(remove, 60);
        }
    }

    static List<String> containersOf(Path stateDirectory) {
        String label = ReplicaLabels.STATE_DIRECTORY + "=" + realPath(stateDirectory);
        return TestServices.run(List.of("docker", "ps", "-aq", "--no-trunc", "--filter", "label=" + label), 30)
                .output().lines().map(String::trim).filter(line -> !line.isEmpty()).toList();
    }

    static boolean containerExists(String containerId) {
        return TestServices.run(List.of("docker", "container", "inspect", containerId), 30).exitCode() == 0;
    }

    /** {@code docker inspect -f <template>} of a container. */
    static String inspect(String containerId, String template) {
        return TestServices.runOrFail(List.of("docker", "container", "inspect", "-f", template, containerId), 30)
                .output().trim();
    }

    private static String realPath(Path directory) {
        try {
            return directory.toRealPath().toString();
        } catch (IOException e) {
            return directory.toAbsolutePath().toString();
        }
    }
}
