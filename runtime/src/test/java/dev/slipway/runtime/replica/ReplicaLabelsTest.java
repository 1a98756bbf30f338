package dev.slipway.runtime.replica;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicaLabelsTest {
    private static final Replica REPLICA = new Replica("orders-1.4.0-2-abcdef", "orders", "1.4.0", "127.0.0.1", 41234);

    @Test
    void everythingAnAdoptingRuntimeNeedsSurvivesTheRoundTripThroughLabels() {
        HealthSpec health = new HealthSpec(
                new ProbeSpec("/ready", Duration.ofMillis(250), Duration.ofSeconds(1), 3, Duration.ofSeconds(30)),
                new ProbeSpec("/live", Duration.ofSeconds(5), Duration.ofSeconds(2), 4, Duration.ofSeconds(60)));
        ReplicaLabels labels = new ReplicaLabels(REPLICA, 2, health, "/srv/orders/.slipway");

        Map<String, String> written = labels.toLabels();

        assertThat(written).containsEntry("dev.slipway.service", "orders")
                .containsEntry("dev.slipway.revision", "1.4.0")
                .containsEntry("dev.slipway.replica", "orders-1.4.0-2-abcdef")
                .containsEntry("dev.slipway.port", "41234")
                .containsEntry("dev.slipway.state-directory", "/srv/orders/.slipway");
        assertThat(ReplicaLabels.parse(written, "127.0.0.1")).isEqualTo(labels);
    }

    @Test
    void aReplicaWithoutProbesStaysWithoutProbes() {
        ReplicaLabels labels = new ReplicaLabels(REPLICA, 0, new HealthSpec(null, null), "/state");

        assertThat(ReplicaLabels.parse(labels.toLabels(), "127.0.0.1")).isEqualTo(labels);
    }

    @Test
    void aContainerMissingALabelIsNotMistakenForOne() {
        Map<String, String> labels = new HashMap<>(
                new ReplicaLabels(REPLICA, 0, HealthSpec.defaults(), "/state").toLabels());
        labels.remove("dev.slipway.port");

        assertThatThrownBy(() -> ReplicaLabels.parse(labels, "127.0.0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a slipway replica: missing label 'dev.slipway.port'");
    }
}
