package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StatusViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPausedCanaryFitsOnOneLine() throws Exception {
        JsonNode status = JSON.readTree("""
                {"service":"orders",
                 "stable":{"version":"2.0.0","schema":[2,2],"replicas":3,"readyReplicas":3},
                 "canary":{"version":"3.0.0","schema":[2,2],"replicas":2,"readyReplicas":2},
                 "canaryWeight":20,"schemaState":[2],"migration":null,"schemaUpdatePending":false,
                 "rollout":{"id":4,"from":"2.0.0","to":"3.0.0","phase":"PAUSED","step":2,"steps":5,"weight":20,
                            "message":"pause 30s"}}
                """);
        assertThat(StatusView.line(status)).isEqualTo("orders  stable 2.0.0 [2, 2] 3/3 ready | canary 3.0.0 [2, 2] 2/2 ready 20%"
                + " | schema {2} | rollout 3.0.0 PAUSED step 2/5: pause 30s");
        assertThat(StatusView.rollout(status)).startsWith("orders 2.0.0 -> 3.0.0  PAUSED step 2/5, canary 20%: pause 30s");
        assertThat(StatusView.rolloutFinished(status)).isFalse();
    }

    @Test
    void aMigrationInFlightAndNothingRunningYet() throws Exception {
        JsonNode status = JSON.readTree("""
                {"service":"orders","stable":null,"canary":null,"canaryWeight":0,"schemaState":[1,2],
                 "migration":{"version":2,"name":"002_split_name","phase":"expanded"},"schemaUpdatePending":true,
                 "rollout":null}
                """);
        assertThat(StatusView.line(status)).isEqualTo("orders  stable none | schema {1, 2} (migration 2 expanded) update pending");
        assertThat(StatusView.rollout(status)).startsWith("orders: no rollout yet");
        assertThat(StatusView.rolloutFinished(status)).isTrue();
    }
}
