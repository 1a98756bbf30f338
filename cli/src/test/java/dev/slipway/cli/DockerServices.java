package dev.slipway.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Docker engine for the cli's container tests (a copy of the image module's TestServices: modules do not share
 * test classes). A test needing the engine skips with a printed reason when none answers, except under
 * SLIPWAY_CI_STRICT=1, where it fails instead (CI starts one with .ci/image-services.sh).
 */
final class DockerServices {
    private DockerServices() {
    }

    static void require(boolean available, String reason) {
        if (available) {
            return;
        }
        if ("1".equals(System.getenv("SLIPWAY_CI_STRICT"))) {
            fail(reason + " (SLIPWAY_CI_STRICT=1: required)");
        }
        System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(false, reason);
    }

    static boolean onPath(String command) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, command))) {
                return true;
            }
        }
        return false;
    }

    /** Why no engine can be used, or null when `docker info` answers. */
    static String engineProblem() {
        if (!onPath("docker")) {
            return "no docker CLI on PATH";
        }
        Outcome info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), 30);
        if (info.exitCode() != 0) {
            return "no Docker engine answers (docker info: " + info.output().strip() + ")";
        }
        return null;
    }

    record Outcome(int exitCode, String output) {
    }

    /** Runs a command (docker CLI, ldd, jlink, tar), output and errors merged. */
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
}
