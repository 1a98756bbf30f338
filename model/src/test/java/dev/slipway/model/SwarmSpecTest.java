package dev.slipway.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code swarm:} section of slipway.yaml, for {@code runtime: swarm}. */
class SwarmSpecTest {

    private static String spec(String runtimeAndSwarm) {
        return """
                service: orders
                %s
                release:
                  version: 2.0.0
                  run: {command: ["image:registry.example:5000/orders@sha256:0f3c"]}
                  schema: [1, 2]
                  strategy: {rolling: {}}
                """.formatted(runtimeAndSwarm.strip());
    }

    @Test
    void everySettingIsReadWhenGiven() {
        ServiceSpec service = SpecParser.parse("slipway.yaml", spec("""
                runtime: swarm
                swarm:
                  manager: tcp://manager.example:2376
                  bind: 0.0.0.0
                  constraints: [node.role==worker, "node.labels.zone != eu-1"]
                  ports: 31000-31999
                """));

        assertThat(service.runtime()).isEqualTo("swarm");
        assertThat(service.swarm()).contains(new SwarmSpec("tcp://manager.example:2376", "0.0.0.0",
                List.of("node.role==worker", "node.labels.zone != eu-1"), 31000, 31999));
    }

    @Test
    void withoutASectionTheLocalEngineIsTheManagerAndNothingIsConstrained() {
        assertThat(SpecParser.parse("slipway.yaml", spec("runtime: swarm")).swarm()).contains(SwarmSpec.defaults());
        assertThat(SpecParser.parse("slipway.yaml", spec("runtime: docker")).swarm()).isEmpty();
    }

    @Test
    void aSwarmSectionForAnotherRuntimeIsRefused() {
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec("runtime: docker\nswarm: {bind: 0.0.0.0}")))
                .isInstanceOf(SpecException.class)
                .hasMessage("slipway.yaml:3:8: swarm: a swarm section needs runtime: swarm (runtime is docker)");
    }

    @Test
    void badSettingsAreLocatedAtTheirValue() {
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec("runtime: swarm\nswarm: {manager: manager:2376}")))
                .hasMessage("slipway.yaml:3:18: swarm.manager: 'manager:2376' is not an Engine API address"
                        + " (e.g. unix:///var/run/docker.sock or tcp://manager.example:2376)");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec("runtime: swarm\nswarm: {constraints: [worker]}")))
                .hasMessage("slipway.yaml:3:23: swarm.constraints[0]: 'worker' is not a placement constraint"
                        + " (e.g. node.role==worker, node.labels.zone!=eu-1)");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec("runtime: swarm\nswarm: {ports: 32767-30000}")))
                .hasMessage("slipway.yaml:3:16: swarm.ports: '32767-30000' is not a range of ports"
                        + " (1..65535, lowest first)");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec("runtime: swarm\nswarm: {port: 30000-31000}")))
                .hasMessageStartingWith("slipway.yaml:3:9: swarm.port: unknown field 'port' (did you mean 'ports'?)");
    }

    @Test
    void anUnknownRuntimeListsTheAvailableOnes() {
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec("runtime: kubernetes")))
                .hasMessage("slipway.yaml:2:10: runtime: runtime 'kubernetes' is not available (available: local,"
                        + " docker, swarm)");
    }
}
