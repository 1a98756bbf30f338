package dev.slipway.runtime.local;

import dev.slipway.model.support.OwnerOnly;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.replica.ReplicaLifecycle;
import dev.slipway.runtime.replica.ReplicaProbes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** One replica of the local runtime: what its process is started from and logs to, and its lifecycle. */
final class LocalReplica implements ReplicaProbes.Probed {
    private static final Logger log = LoggerFactory.getLogger(LocalReplica.class);

    /**
     * One run of the replica's process.
     *
     * @param start the process's start instant, which tells it apart from a later process with a recycled pid
     * @param exit  completes with words for the user once the process has exited
     */
    record Run(ProcessHandle process, Instant start, CompletableFuture<String> exit) {

        /** A process this runtime started: its exit code is known. */
        static Run of(Process child, Instant now) {
            return new Run(child.toHandle(), child.info().startInstant().orElse(now),
                    child.onExit().thenApply(process -> "exited with code " + process.exitValue()));
        }

        /** A process a previous runtime started: it is not our child, its exit code is not ours to read. */
        static Run adopted(ProcessHandle process, Instant start) {
            return new Run(process, start, process.onExit().thenApply(handle -> "process " + handle.pid() + " exited"));
        }
    }

    private final Replica replica;
    private final int ordinal;
    private final LaunchPlan plan;
    private final Path logFile;
    private final ReplicaLifecycle<Run> lifecycle;

    LocalReplica(Replica replica, int ordinal, LaunchPlan plan, Path logFile) {
        this.replica = replica;
        this.ordinal = ordinal;
        this.plan = plan;
        this.logFile = logFile;
        this.lifecycle = new ReplicaLifecycle<>(replica.id(), plan.health());
    }

    @Override
    public Replica replica() {
        return replica;
    }

    @Override
    public int ordinal() {
        return ordinal;
    }

    LaunchPlan plan() {
        return plan;
    }

    Path logFile() {
        return logFile;
    }

    @Override
    public ReplicaLifecycle<Run> lifecycle() {
        return lifecycle;
    }

    /** Written after each launch so that a later runtime can adopt the process. */
    ReplicaStateFile stateFile(Run run) {
        return new ReplicaStateFile(replica, ordinal, plan, run.process().pid(), run.start(), lifecycle.restarts());
    }

    @Override
    public void note(String line) {
        try {
            OwnerOnly.file(logFile);
            Files.writeString(logFile, "--- slipway " + Instant.now() + ": " + line + System.lineSeparator(),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.warn("cannot write to {}: {}", logFile, e.getMessage());
        }
    }
}
