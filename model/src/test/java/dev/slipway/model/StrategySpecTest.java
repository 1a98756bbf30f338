package dev.slipway.model;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StrategySpecTest {

    private static String spec(String strategy) {
        return """
                service: orders
                release:
                  version: "2.0.0"
                  run: {command: [java, -jar, "orders 2.jar"], env: {GREETING: "a \\"quoted\\" value"}}
                  schema: [1, 2]
                  replicas: 3
                  strategy:
                %s""".formatted(strategy);
    }

    @Test
    void rollingReadsCountsAndPercentages() {
        ReleaseSpec release = SpecParser.parse("s.yaml", spec("    rolling: {maxSurge: 25%, maxUnavailable: 0}\n")).release();
        StrategySpec.Rolling rolling = (StrategySpec.Rolling) release.strategy();
        assertThat(rolling.maxSurge()).isEqualTo(new StrategySpec.Quantity(25, true));
        assertThat(rolling.maxSurge().of(3, true)).isEqualTo(1);
        assertThat(rolling.maxUnavailable().of(3, false)).isZero();
    }

    @Test
    void rollingThatCanNeverMoveIsRefused() {
        assertThatThrownBy(() -> SpecParser.parse("s.yaml", spec("    rolling: {maxSurge: 0, maxUnavailable: 0%}\n")))
                .hasMessage("s.yaml:8:14: release.strategy.rolling: maxSurge and maxUnavailable cannot both be 0: "
                        + "nothing could ever move");
    }

    @Test
    void blueGreenHasDefaults() {
        ReleaseSpec release = SpecParser.parse("s.yaml", spec("    blueGreen: {autoPromoteAfter: 20s}\n")).release();
        assertThat(release.strategy()).isEqualTo(new StrategySpec.BlueGreen(Optional.of(Duration.ofSeconds(20)),
                Optional.empty(), Duration.ofSeconds(30), "X-Slipway-Preview"));
    }

    @Test
    void everyStrategyRoundTripsThroughTheWriter() {
        for (String strategy : new String[] {
                "    rolling: {maxSurge: 1, maxUnavailable: 25%}\n  contractAfter: 24h\n",
                "    blueGreen: {prePromotionAnalysis: {errorRate: {max: 0.05}, minRequests: 10}, scaleDownDelay: 1m}\n",
                "    canary:\n      steps:\n        - setCanaryScale: {replicas: 1}\n        - setWeight: 10\n"
                        + "        - pause: 1h30m\n        - analysis: {errorRate: {max: 0.01}, latencyP99: {max: 250ms}}\n"
                        + "        - setHeaderRoute: {header: X-Canary, value: \"on\"}\n        - pause: {}\n"}) {
            ReleaseSpec release = SpecParser.parse("s.yaml", spec(strategy)).release();
            ReleaseSpec again = SpecParser.parseRelease("stored", SpecWriter.release(release));
            assertThat(again).isEqualTo(release);
        }
    }

    @Test
    void anUnknownStrategyListsTheKnownOnes() {
        assertThatThrownBy(() -> SpecParser.parse("s.yaml", spec("    canery: {}\n")))
                .hasMessageContaining("s.yaml:8:5: release.strategy.canery: unknown field 'canery' (did you mean 'canary'?)");
    }
}
