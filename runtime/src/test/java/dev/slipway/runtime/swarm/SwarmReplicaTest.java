package dev.slipway.runtime.swarm;

import dev.slipway.model.HealthSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.runtime.replica.ReplicaLabels;
import dev.slipway.runtime.replica.ReplicaLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** From where a swarm replica's log stream reads the service's output, so that no line is skipped. */
class SwarmReplicaTest {
    private static final Replica REPLICA = new Replica("orders-1.0.0-0-abcdef", "orders", "1.0.0", SwarmReplica.UNPLACED, 41234);

    @TempDir
    Path directory;

    @Test
    void theRuntimesOwnNotesDoNotSkipTheOutputANewServiceWroteBeforeItsStreamOpened() throws Exception {
        SwarmReplica replica = replica(Instant.EPOCH);

        replica.note("runs on node alpha at 127.0.0.1:41234 (task t1)");

        assertThat(replica.logsSince()).as("everything a new service wrote is still to be read").isEqualTo(Instant.EPOCH);
    }

    @Test
    void aReopenedStreamStartsWithinTheSecondOfTheLastOutputItDelivered() throws Exception {
        SwarmReplica replica = replica(Instant.EPOCH);

        Instant before = Instant.now();
        replica.logSink().accept("listening on 127.0.0.1:41234\n".getBytes(StandardCharsets.UTF_8));
        Instant after = Instant.now();
        replica.note("its task ended; Swarm starts another");

        assertThat(replica.logsSince()).isBetween(before, after);
        assertThat(Files.readString(replica.log().file())).startsWith("listening on 127.0.0.1:41234\n");
    }

    private SwarmReplica replica(Instant streamedUntil) {
        ReplicaLabels labels = new ReplicaLabels(REPLICA, 0, HealthSpec.defaults(), directory.toString());
        return new SwarmReplica(labels, new ReplicaLog(directory.resolve("orders-1.0.0-0.log")), TaskWatch.forNewService(),
                streamedUntil);
    }
}
