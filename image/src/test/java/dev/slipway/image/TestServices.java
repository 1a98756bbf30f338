package dev.slipway.image;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real services for tests: a test needing one skips with a printed reason when it is absent,
 * except under SLIPWAY_CI_STRICT=1, where it fails instead (CI installs them with .ci/image-services.sh).
 */
final class TestServices {
    private TestServices() {
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
            if (Files.isExecutable(Path.of(directory, command))) {
                return true;
            }
        }
        return false;
    }

    static boolean dockerAnswers() {
        return onPath("docker") && run(List.of("docker", "info"), 30).exitCode() == 0;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    record Outcome(int exitCode, String output) {
    }

    /** Runs a command (docker CLI, ldd, jlink), output and errors merged. */
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
            throw new IllegalStateException(String.join(" ", command) + " failed (" + outcome.exitCode() + "): " + outcome.output());
        }
        return outcome;
    }
}
