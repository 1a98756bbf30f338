package dev.slipway.testkit;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real services for tests (a Docker engine, docker-registry) and the commands that drive them. A test needing a
 * service that is absent skips with a printed reason, except under {@code SLIPWAY_CI_STRICT=1}, where it fails
 * instead: CI installs and starts them with {@code .ci/image-services.sh}, so there a skip would hide a broken setup.
 */
public final class TestServices {
    private static String engineProblem;
    private static boolean engineChecked;

    private TestServices() {
    }

    /** Skips the calling test (fails it under SLIPWAY_CI_STRICT=1) unless {@code available}. */
    public static void require(boolean available, String reason) {
        if (available) {
            return;
        }
        if ("1".equals(System.getenv("SLIPWAY_CI_STRICT"))) {
            fail(reason + " (SLIPWAY_CI_STRICT=1: required)");
        }
        System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(false, reason);
    }

    /** Requires a Docker engine that answers {@code docker info}; asked once per JVM. */
    public static void requireDockerEngine() {
        String problem = dockerEngineProblem();
        require(problem == null, problem + "; start one with .ci/image-services.sh");
    }

    /** Requires docker-registry on PATH (tests start their own, on a free loopback port). */
    public static void requireRegistry() {
        require(onPath("docker-registry"),
                "docker-registry is not installed (apt-get install docker-registry, or run .ci/image-services.sh)");
    }

    /**
     * Requires Debian's {@code chromium} and {@code chromedriver} on PATH, for browser tests (installed by
     * {@code .ci/run}).
     */
    public static void requireChromium() {
        require(onPath("chromium") && onPath("chromedriver"),
                "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
    }

    /** Why no Docker engine can be used, or null when {@code docker info} answers. */
    public static synchronized String dockerEngineProblem() {
        if (!engineChecked) {
            engineChecked = true;
            if (!onPath("docker")) {
                engineProblem = "no docker CLI on PATH";
            } else {
                Outcome info = run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), 30);
                engineProblem = info.exitCode() == 0 ? null
                        : "no Docker engine answers (docker info: " + info.output().strip() + ")";
            }
        }
        return engineProblem;
    }

    /** Removes every tag of {@code repository} but {@code current} from the engine (an image in use stays). */
    public static void removeOtherTags(String repository, String current) {
        String listed = run(List.of("docker", "images", repository, "--format", "{{.Repository}}:{{.Tag}}"), 30).output();
        for (String image : listed.lines().map(String::trim).toList()) {
            if (!image.isEmpty() && !image.equals(current)) {
                run(List.of("docker", "rmi", image), 60);
            }
        }
    }

    public static boolean onPath(String command) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, command))) {
                return true;
            }
        }
        return false;
    }

    /** A port free on the loopback interface right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How a command ended: its exit code (-1 when it could not run or timed out) and its merged output. */
    public record Outcome(int exitCode, String output) {
    }

    /** Runs a command (docker CLI, ldd, jlink, tar), output and errors merged. */
    public static Outcome run(List<String> command, int timeoutSeconds) {
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

    /** Runs a command and throws, with its output, unless it exits 0. */
    public static Outcome runOrFail(List<String> command, int timeoutSeconds) {
        Outcome outcome = run(command, timeoutSeconds);
        if (outcome.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + outcome.exitCode() + "): "
                    + outcome.output());
        }
        return outcome;
    }
}
