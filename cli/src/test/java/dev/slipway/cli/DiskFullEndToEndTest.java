package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.demo.LoadGenerator;
import dev.slipway.testkit.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.slipway.cli.CliHarness.await;
import static dev.slipway.cli.CliHarness.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15: the disk under the state directory fills up while {@code slipway up} serves clients. The state directory
 * is a small tmpfs of its own (mounting one needs root; without it the test is skipped, and fails under
 * SLIPWAY_CI_STRICT=1). A rollout started on the full disk ends with an error naming the file it could not write, no
 * state file is left half-written or changed, the running replicas keep running, the router never answers an error of
 * its own, and once space is back the next command works. (Client timeouts are counted and printed by the second they
 * were sent, not asserted: they come with the JVM starts of the test on a loaded machine, not with the full disk; see
 * the README.)
 */
class DiskFullEndToEndTest {
    private static final int RATE = 100;
    private static final int SEEDED = 500;

    @TempDir
    static Path databaseDirectory;
    private static Database database;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path directory;

    @BeforeAll
    static void startDatabase() throws Exception {
        database = Database.open("embedded", databaseDirectory);
        OrdersDatabase.atVersionOne(database, "diskfull", SEEDED);
    }

    @AfterAll
    static void stopDatabase() {
        database.close();
    }

    @Test
    void aFullDiskUnderTheStateDirectoryFailsTheRolloutWithTheFileItCouldNotWriteAndChangesNoStateFile()
            throws Exception {
        Path state = directory.resolve(".slipway");
        Files.createDirectories(state);
        TestServices.Outcome mount = TestServices.run(List.of("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700",
                "tmpfs", state.toString()), 30);
        TestServices.require(mount.exitCode() == 0, "cannot mount a tmpfs for the state directory (needs root): "
                + mount.output().strip());
        int routerPort = CliHarness.freePort();
        try {
            try (SlipwayProcesses slipway = new SlipwayProcesses(directory);
                 LoadGenerator load = new LoadGenerator(URI.create("http://127.0.0.1:" + routerPort + "/"), RATE,
                         SEEDED)) {
                Process up = slipway.up(spec(slipway, routerPort, "1.0.0"));
                await(Duration.ofSeconds(150), () -> slipway.apiStatus().path("stable").path("readyReplicas").asInt() == 2);
                List<Long> stablePids = slipway.replicaPids("1.0.0");
                load.start();
                sleep(1000);

                Map<Path, String> before = stateFiles(state);
                long filledAt = Math.round(load.elapsedSeconds() * 1000);
                long filled = fill(state.resolve("filler"));
                int failedBeforeFull = load.failures().size();
                System.out.println("filled the state directory's disk with " + filled + " bytes; "
                        + Files.getFileStore(state).getUsableSpace() + " bytes left");

                // A rollout needs a state file for each new replica: it cannot start, and says which file and why.
                Path second = spec(slipway, routerPort, "1.1.0");
                assertThat(slipway.cli("apply", "-f", second.toString()).exitCode()).isZero();
                await(Duration.ofSeconds(150), () -> slipway.apiStatus().path("rollout").path("phase").asText()
                        .equals("ABORTED"));
                CliHarness.Result status = slipway.cli("status");
                assertThat(status.exitCode()).isZero();
                assertThat(status.out()).contains("ABORTED", "cannot write its state file " + state.resolve("run"),
                        "No space left on device");

                // Nothing was half-written or lost, and what ran still runs, as it did.
                assertThat(stateFiles(state)).as("the state files after the full disk").isEqualTo(before);
                assertThat(up.isAlive()).isTrue();
                assertThat(slipway.replicaPids("1.0.0")).isEqualTo(stablePids);
                assertThat(slipway.runningReplicaRevisions()).containsExactlyInAnyOrder("1.0.0", "1.0.0");

                System.out.println("failed requests before the disk was full: " + failedBeforeFull + ", while it was: "
                        + (load.failures().size() - failedBeforeFull));
                // Space is back: the same rollout goes through.
                Files.delete(state.resolve("filler"));
                long spaceBackAt = Math.round(load.elapsedSeconds() * 1000);
                CliHarness.Result retry = slipway.cli("rollout", "retry");
                assertThat(retry.exitCode()).as(retry.out() + retry.err()).isZero();
                await(Duration.ofSeconds(150), () -> {
                    JsonNode now = slipway.apiStatus();
                    return now.path("rollout").path("phase").asText().equals("PROMOTED")
                            && now.path("stable").path("version").asText().equals("1.1.0")
                            && now.path("stable").path("readyReplicas").asInt() == 2;
                });
                sleep(1000);
                load.stop();
                List<LoadGenerator.Failure> failed = load.failures();
                System.out.println("client: " + load.sent() + " sent, " + load.succeeded() + " succeeded, by revision "
                        + load.answersByRevision() + ", " + failed.size() + " failed");
                System.out.println("failed requests, first 20: " + failed.subList(0, Math.min(20, failed.size())));
                System.out.println("disk full from " + filledAt + " to " + spaceBackAt + " ms; failures by cause and"
                        + " second sent: " + failed.stream().collect(java.util.stream.Collectors.groupingBy(
                        failure -> failure.cause() + "@" + failure.atMillis() / 1000 + "s", TreeMap::new,
                        java.util.stream.Collectors.counting())));
                // The router itself never answered for lack of a replica: the full disk took nothing out of routing.
                // (Timeouts of a client on an overloaded machine are counted above, not asserted.)
                assertThat(failed).as("requests the router answered with an error of its own")
                        .noneMatch(failure -> failure.status() != 0 && failure.revision().isEmpty());
                // Timeouts are printed above by the second they were sent: on a loaded machine they cluster around the
                // JVMs this test starts (apply, status, the new replica), not over the time the disk is full.
                assertThat(load.succeeded()).isGreaterThan(RATE * 3L);
                assertThat(stateFiles(state).keySet()).as("the new release's replicas have their state files")
                        .anyMatch(file -> file.getFileName().toString().startsWith("orders-1.1.0-"));
                assertThat(slipway.stop(up)).isIn(0, 143);
            }
        } finally {
            TestServices.Outcome unmount = TestServices.run(List.of("umount", state.toString()), 30);
            if (unmount.exitCode() != 0) {
                TestServices.run(List.of("umount", "-l", state.toString()), 30);
            }
        }
    }

    /** Writes {@code file} until the disk refuses; returns how much it took. */
    private static long fill(Path file) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left on device");
        }
        // the last partial chunk may still fit in a smaller write
        try (OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
            for (int i = 0; i < 64; i++) {
                out.write(new byte[1024]);
                written += 1024;
            }
        } catch (IOException full) {
            // full to the last block
        }
        return written;
    }

    /**
     * The state files (api.json, the router's, each replica's), each checked to parse whole, by path; temporary files
     * left by an interrupted write would show up here too.
     */
    private static Map<Path, String> stateFiles(Path state) throws IOException {
        Map<Path, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(state)) {
            for (Path file : all.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (file.startsWith(state.resolve("logs")) || name.equals("filler")) {
                    continue;
                }
                String content = Files.readString(file);
                if (name.endsWith(".json")) {
                    SlipwayProcesses.parse(content);
                } else if (name.endsWith(".state") || name.endsWith(".properties")) {
                    Properties properties = new Properties();
                    properties.load(new StringReader(content));
                    assertThat(properties).as(file.toString()).isNotEmpty();
                }
                files.put(file, content);
            }
        }
        return files;
    }

    private Path spec(SlipwayProcesses slipway, int routerPort, String version) throws IOException {
        return slipway.ordersSpec(database, "diskfull", databaseDirectory.resolve(EmbeddedServer.PASSWORD_FILE),
                routerPort, version, "canary: {steps: [{setWeight: 50}, {pause: 1s}]}");
    }
}
