package dev.slipway.runtime.swarm;

import dev.slipway.runtime.replica.ReplicaLabels;
import dev.slipway.testkit.TestServices;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The local swarm manager for tests, through the docker CLI (the code under test uses the API; the tests check its
 * work with a second opinion).
 */
final class TestManager {
    private TestManager() {
    }

    /** The ids of the services a swarm runtime on that state directory made. */
    static List<String> servicesOf(Path stateDirectory) {
        List<String> listed = TestServices.runOrFail(List.of("docker", "service", "ls", "-q", "--filter",
                        "label=" + ReplicaLabels.STATE_DIRECTORY + "=" + owner(stateDirectory)), 30)
                .output().lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        // ls shortens ids; inspect gives them whole (a service removed meanwhile is simply gone)
        return listed.stream().map(id -> TestServices.run(List.of("docker", "service", "inspect", "-f", "{{.ID}}", id), 30))
                .filter(outcome -> outcome.exitCode() == 0).map(outcome -> outcome.output().strip()).toList();
    }

    static void removeServicesOf(Path stateDirectory) {
        List<String> services = servicesOf(stateDirectory);
        if (!services.isEmpty()) {
            List<String> remove = new ArrayList<>(List.of("docker", "service", "rm"));
            remove.addAll(services);
            TestServices.run(remove, 60);
        }
    }

    /** {@code docker service inspect -f <template>}. */
    static String inspect(String serviceId, String template) {
        return TestServices.runOrFail(List.of("docker", "service", "inspect", "-f", template, serviceId), 30)
                .output().strip();
    }

    /** The ids of the tasks of a service that its node reports running. */
    static List<String> runningTasks(String serviceId) {
        return TestServices.runOrFail(List.of("docker", "service", "ps", "-q", "--no-trunc", "--filter",
                        "desired-state=running", serviceId), 30).output().lines().map(String::strip)
                .filter(line -> !line.isEmpty()).toList();
    }

    static String owner(Path stateDirectory) {
        return SwarmRuntime.ownerOf(stateDirectory);
    }
}
