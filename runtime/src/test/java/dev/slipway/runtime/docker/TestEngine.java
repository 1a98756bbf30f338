package dev.slipway.runtime.docker;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Docker engine for tests, through the docker CLI (the code under test uses the API; the tests check its work
 * with a second opinion). A test needing the engine skips with a printed reason when none answers, except under
 * {@code SLIPWAY_CI_STRICT=1}, where it fails instead (CI starts one with {@code .ci/image-services.sh}).
 */
final class TestEngine {
    private static Boolean answers;

    private TestEngine() {
    }

    static synchronized void require() {
        if (answers == null) {
            answers = onPath("docker") && run(List.of("docker", "info"), 30).exitCode() == 0;
        }
        if (answers) {
            return;
        }
        String reason = "no Docker engine answers (docker info failed); start one with .ci/image-services.sh";
        if ("1".equals(System.getenv("SLIPWAY_CI_STRICT"))) {
            fail(reason + " (SLIPWAY_CI_STRICT=1: required)");
        }
        System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(false, reason);
    }

    /** Force-removes every container, running or not, labelled with that state directory. */
    static void removeContainersOf(Path stateDirectory) {
        String label = ContainerLabels.STATE_DIRECTORY + "=" + realPath(stateDirectory);
        List<String> ids = lines(run(List.of("docker", "ps", "-aq", "--filter", "label=" + label), 30));
        if (!ids.isEmpty()) {
            List<String> remove = new ArrayList<>(List.of("docker", "rm", "-f"));
            remove.addAll(ids);
            run(remove, 60);
        }
    }

    static List<String> containersOf(Path stateDirectory) {
        String label = ContainerLabels.STATE_DIRECTORY + "=" + realPath(stateDirectory);
        return lines(run(List.of("docker", "ps", "-aq", "--no-trunc", "--filter", "label=" + label), 30));
    }

    static boolean containerExists(String containerId) {
        return run(List.of("docker", "container", "inspect", containerId), 30).exitCode() == 0;
    }

    /** {@code docker inspect -f <template>} of a container. */
    static String inspect(String containerId, String template) {
        return runOrFail(List.of("docker", "container", "inspect", "-f", template, containerId), 30).output().trim();
    }

    record Outcome(int exitCode, String output) {
    }

    static Outcome run(List<String> command, int timeoutSeconds) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Outcome(-1, "timed out: " + String.join(" ", command));
            }
            return new Outcome(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Outcome(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(-1, "interrupted");
        }
    }

    static Outcome runOrFail(List<String> command, int timeoutSeconds) {
        Outcome outcome = run(command, timeoutSeconds);
        if (outcome.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + outcome.exitCode() + "): "
                    + outcome.output());
        }
        return outcome;
    }

    static String realPath(Path directory) {
        try {
            return directory.toRealPath().toString();
        } catch (IOException e) {
            return directory.toAbsolutePath().toString();
        }
    }

    private static List<String> lines(Outcome outcome) {
        return outcome.output().lines().map(String::trim).filter(line -> !line.isEmpty()).toList();
    }

    private static boolean onPath(String command) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(directory, command))) {
                return true;
            }
        }
        return false;
    }
}
