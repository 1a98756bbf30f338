package dev.slipway.cli;

import dev.slipway.runtime.Replica;
import dev.slipway.runtime.Runtime;
import dev.slipway.runtime.swarm.SwarmRuntime;
import dev.slipway.runtime.swarm.SwarmSettings;
import dev.slipway.testkit.TestRegistry;
import dev.slipway.testkit.TestServices;
import dev.slipway.testkit.TestSwarm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RolloutScenarios} on the swarm runtime: every replica of the orders service is a Swarm service of the local
 * engine as a single-node swarm (testkit's {@link TestSwarm}: {@code docker swarm init --advertise-addr 127.0.0.1}).
 * The images are built by slipway's image module into a docker-registry on 127.0.0.1 and named by digest, and the
 * node pulls them from there, as every node of a real swarm must. Skips with a printed reason when no engine or
 * registry is installed (fails instead under SLIPWAY_CI_STRICT=1).
 */
class SwarmRolloutEndToEndTest extends RolloutScenarios {
    private static final List<String> JARS = List.of("orders-1.0.0.jar", "orders-3.0.0.jar");
    private static final Map<String, String> images = new HashMap<>();
    @TempDir
    static Path registryDirectory;
    private static TestRegistry registry;
    /** Why these tests cannot run here, or null. */
    private static String unavailable;

    @BeforeAll
    static void pushImages() throws Exception {
        unavailable = TestServices.dockerEngineProblem();
        if (unavailable == null && !TestServices.onPath("docker-registry")) {
            unavailable = "docker-registry is not installed";
        }
        for (String jar : JARS) {
            Path file = home.resolve("examples/orders/target/" + jar);
            if (unavailable == null && !Files.isRegularFile(file)) {
                unavailable = file + " is missing (mvn -pl examples/orders package)";
            }
        }
        if (unavailable == null) {
            registry = TestRegistry.start(registryDirectory);
            for (String jar : JARS) {
                images.put(jar, DockerOrdersImage.pushed(home.resolve("examples/orders/target/" + jar), registry));
            }
        }
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    /** Checked before each test, so that every test is reported skipped (or failed under strict). */
    @Override
    void requireRuntime() {
        TestServices.require(unavailable == null, unavailable + "; install and start them with: bash .ci/image-services.sh");
        TestSwarm.requireManager();
    }

    /** The node advertises 127.0.0.1: replicas listen there, not on every interface of this machine. */
    @Override
    Runtime newRuntime(Path stateDirectory) {
        return new SwarmRuntime(stateDirectory, SwarmSettings.defaults().withBind("127.0.0.1"));
    }

    @Override
    void crash(Runtime runtime) {
        ((SwarmRuntime) runtime).detach();
    }

    /** {@code docker kill} of the container of the replica's running task, behind Swarm's back. */
    @Override
    void kill(Replica replica) {
        String serviceId = ((SwarmRuntime) runtime).serviceId(replica).orElseThrow();
        List<String> containers = TestServices.runOrFail(List.of("docker", "ps", "-q", "--filter",
                "label=com.docker.swarm.service.id=" + serviceId), 30).output().lines().map(String::strip)
                .filter(line -> !line.isEmpty()).toList();
        assertThat(containers).as("the running container of " + replica.id()).hasSize(1);
        TestServices.runOrFail(List.of("docker", "kill", containers.get(0)), 30);
    }

    /** The image's entrypoint runs the jar; the node pulls it by digest from the registry. */
    @Override
    String command(String jar) {
        return "[\"image:" + images.get(jar) + "\"]";
    }

    /** Services of this state directory whose one task runs ("1/1"). */
    @Override
    int runningOnTheMachine(Path stateDirectory) {
        return (int) services(stateDirectory, "{{.Replicas}}").stream().filter(replicas -> replicas.startsWith("1/1"))
                .count();
    }

    /** A safety net behind SwarmRuntime.close: no service of this test's state directory may outlive it. */
    @Override
    void afterStack(Path stateDirectory) {
        if (unavailable != null) {
            return;
        }
        List<String> left = services(stateDirectory, "{{.ID}}");
        if (!left.isEmpty()) {
            List<String> remove = new ArrayList<>(List.of("docker", "service", "rm"));
            remove.addAll(left);
            TestServices.run(remove, 60);
        }
        assertThat(left).as("services left after SwarmRuntime.close").isEmpty();
    }

    private static List<String> services(Path stateDirectory, String format) {
        TestServices.Outcome listed = TestServices.run(List.of("docker", "service", "ls", "--filter",
                "label=dev.slipway.state-directory=" + SwarmRuntime.ownerOf(stateDirectory), "--format", format), 30);
        return listed.output().lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }
}
