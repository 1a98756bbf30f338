package dev.slipway.environments;

import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.SpecParser;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PromotedReleaseTest {
    @Test
    void theArtifactMovesAndTheTargetKeepsHowItRunsIt() {
        ReleaseSpec test = SpecParser.parseRelease("test", """
                version: 2.0.0-pgjdbc-patched
                run: {command: ["image:127.0.0.1:5000/orders:2.0.0-pgjdbc-patched"], env: {LOG_LEVEL: debug, NEW_FLAG: "on"}}
                schema: [1, 2]
                replicas: 1
                contractAfter: 1h
                strategy: {rolling: {maxSurge: 1, maxUnavailable: 0}}
                """);
        ReleaseSpec prod = SpecParser.parseRelease("prod", """
                version: 1.0.0
                run: {command: ["image:127.0.0.1:5000/orders:1.0.0"], env: {LOG_LEVEL: warn}}
                schema: [1, 1]
                replicas: 3
                strategy:
                  canary:
                    steps: [{setWeight: 10}, {pause: 10m}]
                """);
        ReleaseSpec promoted = PromotedRelease.of(test, Optional.of(prod));
        assertThat(promoted.version()).isEqualTo("2.0.0-pgjdbc-patched");
        assertThat(promoted.run().command()).containsExactly("image:127.0.0.1:5000/orders:2.0.0-pgjdbc-patched");
        assertThat(promoted.run().env()).isEqualTo(Map.of("LOG_LEVEL", "warn", "NEW_FLAG", "on"));
        assertThat(promoted.schema()).isEqualTo(test.schema());
        assertThat(promoted.contractAfter()).contains(Duration.ofHours(1));
        assertThat(promoted.replicas()).isEqualTo(3);
        assertThat(promoted.strategy()).isEqualTo(prod.strategy());
        assertThat(promoted.health()).isEqualTo(prod.health());

        assertThat(PromotedRelease.of(test, Optional.empty())).isEqualTo(test);
    }
}
