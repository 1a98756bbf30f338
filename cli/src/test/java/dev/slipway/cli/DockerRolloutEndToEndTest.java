package dev.slipway.cli;

import dev.slipway.runtime.Replica;
import dev.slipway.runtime.Runtime;
import dev.slipway.runtime.docker.DockerRuntime;
import dev.slipway.testkit.TestServices;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RolloutScenarios} on the docker runtime: every replica of the orders service is a container of the local
 * engine (host networking, loopback ports), run from an image slipway's image module built here on testkit's jlinked
 * JRE (see {@link DockerOrdersImage}: nothing is pulled). Skips with a printed reason when no engine answers (fails
 * instead under SLIPWAY_CI_STRICT=1).
 */
class DockerRolloutEndToEndTest extends RolloutFailureScenarios {
    private static final List<String> JARS = List.of("orders-1.0.0.jar", "orders-3.0.0.jar");
    /** Why these tests cannot run here (no engine, no orders jar), or null. */
    private static String unavailable;

    @BeforeAll
    static void buildImages() {
        unavailable = TestServices.dockerEngineProblem();
        for (String jar : JARS) {
            Path file = home.resolve("examples/orders/target/" + jar);
            if (unavailable == null && !Files.isRegularFile(file)) {
                unavailable = file + " is missing (mvn -pl examples/orders package)";
            }
        }
        if (unavailable == null) {
            JARS.forEach(jar -> DockerOrdersImage.reference(home.resolve("examples/orders/target/" + jar)));
        }
    }

    /** Checked before each test, so that every test is reported skipped (or failed under strict). */
    @Override
    void requireRuntime() {
        TestServices.require(unavailable == null, unavailable + "; start an engine with: bash .ci/image-services.sh");
    }

    @Override
    Runtime newRuntime(Path stateDirectory) {
        return new DockerRuntime(stateDirectory);
    }

    @Override
    void crash(Runtime runtime) {
        ((DockerRuntime) runtime).detach();
    }

    /** {@code docker kill}: SIGKILL to the container's process, which the engine reports as exit code 137. */
    @Override
    void kill(Replica replica) {
        String container = ((DockerRuntime) runtime).containerId(replica).orElseThrow();
        TestServices.runOrFail(List.of("docker", "kill", container), 30);
    }

    /** The image's entrypoint runs the jar, so the command names only the image. */
    @Override
    String command(String jar) {
        return "[\"image:" + DockerOrdersImage.reference(home.resolve("examples/orders/target/" + jar)) + "\"]";
    }

    @Override
    int runningOnTheMachine(Path stateDirectory) {
        return containersOf(stateDirectory, "--filter", "status=running").size();
    }

    /** A safety net behind DockerRuntime.close: no container of this test's state directory may outlive it. */
    @Override
    void afterStack(Path stateDirectory) {
        if (unavailable != null) {
            return;
        }
        List<String> left = containersOf(stateDirectory);
        if (!left.isEmpty()) {
            System.out.println("removing containers DockerRuntime.close left behind: " + left);
            left.forEach(id -> TestServices.run(List.of("docker", "rm", "-f", id), 60));
        }
        assertThat(left).as("containers left after DockerRuntime.close").isEmpty();
    }

    private static List<String> containersOf(Path stateDirectory, String... filters) {
        String label;
        try {
            label = "label=dev.slipway.state-directory=" + stateDirectory.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of("docker", "ps", "-aq", "--filter", label));
        command.addAll(List.of(filters));
        return TestServices.runOrFail(command, 30).output().lines().map(String::strip)
                .filter(line -> !line.isEmpty()).toList();
    }
}
