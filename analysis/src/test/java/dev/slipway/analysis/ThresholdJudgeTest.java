package dev.slipway.analysis;

import dev.slipway.analysis.judge.ThresholdJudge;
import dev.slipway.analysis.provider.RouterMetricProvider;
import dev.slipway.model.AnalysisSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ThresholdJudgeTest {
    private static final AnalysisSpec SPEC = new AnalysisSpec(0.01, Optional.of(Duration.ofMillis(250)), 200,
            Duration.ofSeconds(30));
    private final ThresholdJudge judge = new ThresholdJudge();

    private static String metrics(long ok, long failed, long fast, long slow) {
        return """
                # TYPE slipway_router_requests_total counter
                slipway_router_requests_total{revision="2.0.0",code="2xx"} %d
                slipway_router_requests_total{revision="2.0.0",code="5xx"} %d
                slipway_router_requests_total{revision="1.0.0",code="5xx"} 999
                slipway_router_request_duration_seconds_bucket{revision="2.0.0",le="0.1"} %d
                slipway_router_request_duration_seconds_bucket{revision="2.0.0",le="0.5"} %d
                slipway_router_request_duration_seconds_bucket{revision="2.0.0",le="+Inf"} %d
                """.formatted(ok, failed, fast, fast + slow, fast + slow);
    }

    @Test
    void tooFewRequestsIsInconclusiveNeverAPass() {
        MetricSample sample = RouterMetricProvider.fromText("2.0.0", metrics(150, 0, 150, 0));
        assertThat(judge.judge(SPEC, sample).outcome()).isEqualTo(Verdict.Outcome.INCONCLUSIVE);
    }

    @Test
    void aHealthyCanaryPasses() {
        MetricSample sample = RouterMetricProvider.fromText("2.0.0", metrics(500, 1, 501, 0));
        Verdict verdict = judge.judge(SPEC, sample);
        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.PASS);
        assertThat(verdict.requests()).isEqualTo(501);
    }

    @Test
    void errorsOfOtherRevisionsDoNotCount() {
        MetricSample sample = RouterMetricProvider.fromText("2.0.0", metrics(300, 0, 300, 0));
        assertThat(sample.errors()).isZero();
    }

    @Test
    void aHighErrorRateFailsWithTheNumbers() {
        MetricSample sample = RouterMetricProvider.fromText("2.0.0", metrics(70, 30, 100, 0));
        Verdict verdict = judge.judge(SPEC, sample);
        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.FAIL);
        assertThat(verdict.reason()).isEqualTo("error rate 30.00% over 100 requests exceeds the limit 1.00%");
    }

    @Test
    void slowAnswersFailOnP99() {
        MetricSample sample = RouterMetricProvider.fromText("2.0.0", metrics(300, 0, 250, 50));
        Verdict verdict = judge.judge(SPEC, sample);
        assertThat(verdict.outcome()).isEqualTo(Verdict.Outcome.FAIL);
        assertThat(verdict.reason()).contains("p99 latency 500 ms");
    }

    @Test
    void aWindowSubtractsTheEarlierSample() {
        MetricSample before = RouterMetricProvider.fromText("2.0.0", metrics(100, 50, 150, 0));
        MetricSample after = RouterMetricProvider.fromText("2.0.0", metrics(400, 50, 450, 0));
        MetricSample window = after.since(before);
        assertThat(window.requests()).isEqualTo(300);
        assertThat(window.errors()).isZero();
        assertThat(judge.judge(SPEC, window).outcome()).isEqualTo(Verdict.Outcome.PASS);
    }
}
