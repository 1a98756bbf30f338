package dev.slipway.testkit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The local Docker engine as a single-node swarm manager, for the swarm runtime's tests. CI makes it one before the
 * build ({@code .ci/image-services.sh}); elsewhere the first test that needs it runs
 * {@code docker swarm init --advertise-addr 127.0.0.1}, and the engine leaves the swarm again when the last test JVM
 * using it ends, so that the engine is left as it was found.
 *
 * <p>Several builds may share one engine (one machine, several worktrees): every JVM using the swarm holds a shared
 * lock on {@value #LOCK}; the swarm is left only by a JVM that can take the lock exclusively (no other one uses it) and
 * finds the marker {@value #MARKER} that a test's {@code init} wrote. A swarm someone else made is never left.
 */
public final class TestSwarm {
    static final String LOCK = "/tmp/slipway-test-swarm.lock";
    static final String MARKER = "/tmp/slipway-test-swarm.initialised-by-tests";

    private static FileChannel lockChannel;
    private static FileLock sharedLock;
    private static String problem;

    private TestSwarm() {
    }

    /** Skips (fails under SLIPWAY_CI_STRICT=1) unless the local engine is, or could be made, a swarm manager. */
    public static synchronized void requireManager() {
        TestServices.requireDockerEngine();
        if (sharedLock == null && problem == null) {
            problem = join();
        }
        TestServices.require(problem == null, problem);
    }

    private static String join() {
        try {
            lockChannel = FileChannel.open(Path.of(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            sharedLock = lockChannel.lock(0, Long.MAX_VALUE, true);
        } catch (IOException e) {
            return "cannot lock " + LOCK + ": " + e.getMessage();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(TestSwarm::leaveIfLast, "slipway-test-swarm-leave"));
        String state = state();
        if (state.startsWith("inactive")) {
            TestServices.Outcome init = TestServices.run(List.of("docker", "swarm", "init", "--advertise-addr",
                    "127.0.0.1"), 60);
            if (init.exitCode() == 0) {
                try {
                    Files.writeString(Path.of(MARKER), "docker swarm init by a Slipway test\n");
                } catch (IOException e) {
                    return "cannot write " + MARKER + ": " + e.getMessage();
                }
            }
            state = state();
        }
        if (!state.equals("active true")) {
            return "the local Docker engine is no swarm manager (docker info: swarm " + state
                    + "); the swarm tests need one: docker swarm init --advertise-addr 127.0.0.1";
        }
        return null;
    }

    private static String state() {
        return TestServices.run(List.of("docker", "info", "--format",
                "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"), 30).output().strip();
    }

    /** Leaves the swarm when tests made it and no other JVM uses it any more. */
    private static synchronized void leaveIfLast() {
        try {
            sharedLock.release();
            FileLock exclusive = lockChannel.tryLock();
            if (exclusive == null) {
                return;
            }
            try {
                if (Files.deleteIfExists(Path.of(MARKER))) {
                    TestServices.run(List.of("docker", "swarm", "leave", "--force"), 60);
                }
            } finally {
                exclusive.release();
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("could not leave the test swarm: " + e.getMessage());
        }
    }
}
