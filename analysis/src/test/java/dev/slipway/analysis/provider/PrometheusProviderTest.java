package dev.slipway.analysis.provider;

import dev.slipway.analysis.Analyses;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.Measurement;
import dev.slipway.analysis.run.MetricStatus;
import dev.slipway.analysis.run.Phase;
import dev.slipway.testkit.TestPrometheus;
import dev.slipway.testkit.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Prometheus provider and the statistical judge's Prometheus series against a real Prometheus (Debian's),
 * scraping a test target every second. Faults are real too: a query Prometheus refuses, a server that is not there.
 */
class PrometheusProviderTest {
    private static final AtomicLong requests = new AtomicLong();
    private static final Random random = new Random(7);
    private static TestTarget target;
    private static TestPrometheus prometheus;

    @BeforeAll
    static void startPrometheus() {
        TestPrometheus.require();
        target = TestTarget.metrics(() -> {
            long served = requests.addAndGet(100);
            return String.format(Locale.ROOT, """
                    # TYPE slipway_router_requests_total counter
                    slipway_router_requests_total{revision="2.0.0",code="2xx"} %d
                    slipway_router_requests_total{revision="2.0.0",code="5xx"} %d
                    # TYPE work_seconds gauge
                    work_seconds{revision="1.0.0"} %.4f
                    work_seconds{revision="2.0.0"} %.4f
                    work_seconds{revision="3.0.0"} %.4f
                    """, served, served / 100, 0.010 + random.nextGaussian() * 0.0005,
                    0.010 + random.nextGaussian() * 0.0005, 0.013 + random.nextGaussian() * 0.0005);
        });
        prometheus = TestPrometheus.start(List.of(new TestPrometheus.Target("target", target.hostPort(), "/metrics")));
        prometheus.awaitQuery("count_over_time(work_seconds{revision=\"3.0.0\"}[1m])",
                answer -> answer.matches("(?s).*\"value\":\\[[0-9.]+,\"([6-9]|\\d\\d)\"].*"));
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (target != null) {
            target.close();
        }
    }

    private static Providers providers() {
        return new Providers(new Providers.Environment("orders", null, null, Optional.empty(), Path.of("."),
                Clock.systemUTC()));
    }

    @Test
    void aQueryWithArgumentsIsMeasuredAndJudgedByItsCondition() {
        AnalysisStatus status = Analyses.run(Analyses.step("""
                - name: error-share
                  interval: 1s
                  count: 2
                  successCondition: result[0] < 0.05
                  provider:
                    prometheus:
                      address: %s
                      query: |
                        sum(rate(slipway_router_requests_total{revision="{{args.canary}}",code="5xx"}[5s]))
                        / sum(rate(slipway_router_requests_total{revision="{{args.canary}}"}[5s]))
                """.formatted(prometheus.address())), providers(), Duration.ofSeconds(30));

        assertThat(status.phase()).isEqualTo(Phase.SUCCESSFUL);
        Measurement first = status.metric("error-share").orElseThrow().measurements().get(0);
        assertThat(Double.parseDouble(first.value())).isBetween(0.005, 0.015);
        assertThat(first.message()).isEqualTo("successCondition 'result[0] < 0.05' held");
    }

    @Test
    void aThresholdBreachFails() {
        AnalysisStatus status = Analyses.run(Analyses.step("""
                - name: slow
                  failureCondition: result > 0.012
                  provider: {prometheus: {address: %s, query: 'max(work_seconds{revision="3.0.0"})'}}
                """.formatted(prometheus.address())), providers(), Duration.ofSeconds(30));

        assertThat(status.phase()).isEqualTo(Phase.FAILED);
        assertThat(status.message()).contains("failureCondition 'result > 0.012' held");
    }

    @Test
    void aQueryPrometheusRefusesIsAnErrorWithItsReasonNeverAPass() {
        AnalysisStatus status = Analyses.run(Analyses.step("""
                - name: broken
                  interval: 1s
                  count: 5
                  consecutiveErrorLimit: 1
                  successCondition: result < 1
                  provider: {prometheus: {address: %s, query: 'sum(rate(slipway_router_requests_total[5s]'}}
                """.formatted(prometheus.address())), providers(), Duration.ofSeconds(30));

        assertThat(status.phase()).isEqualTo(Phase.ERROR);
        MetricStatus broken = status.metric("broken").orElseThrow();
        assertThat(broken.errors()).isEqualTo(2);
        assertThat(broken.successful()).isZero();
        assertThat(broken.measurements().get(0).message()).startsWith("Prometheus refused query").contains("bad_data");
    }

    @Test
    void anUnreachablePrometheusIsAnErrorCountedTowardTheLimit() {
        int closedPort = TestServices.freePort();
        AnalysisStatus status = Analyses.run(Analyses.step("""
                - name: errors
                  interval: 1s
                  count: 3
                  consecutiveErrorLimit: 2
                  successCondition: result < 1
                  provider: {prometheus: {address: "http://127.0.0.1:%d", query: up, timeout: 2s}}
                """.formatted(closedPort)), providers(), Duration.ofSeconds(30));

        assertThat(status.phase()).isEqualTo(Phase.ERROR);
        assertThat(status.metric("errors").orElseThrow().errors()).isEqualTo(3);
        assertThat(status.message()).contains("3 errors in a row (limit 2)").contains("is unreachable");
    }

    @Test
    void anEmptyAnswerIsInconclusive() {
        AnalysisStatus status = Analyses.run(Analyses.step("""
                - name: nothing
                  successCondition: result < 1
                  provider: {prometheus: {address: %s, query: 'work_seconds{revision="9.9.9"}'}}
                """.formatted(prometheus.address())), providers(), Duration.ofSeconds(30));

        assertThat(status.phase()).isEqualTo(Phase.INCONCLUSIVE);
        assertThat(status.message()).contains("no data: query returned no series");
    }

    @Test
    void theStatisticalJudgeComparesPrometheusSeriesOfCanaryAndBaseline() throws Exception {
        StatisticalMeasurer slower = judgeSeries("3.0.0", "1.0.0");
        StatisticalMeasurer same = judgeSeries("2.0.0", "1.0.0");
        Thread.sleep(6_000); // the growing window starts now: let six scrapes land in it

        var slowerVerdict = slower.measure();
        var sameVerdict = same.measure();

        assertThat(slowerVerdict.decided()).contains(Phase.FAILED);
        assertThat(slowerVerdict.message()).startsWith("critical metric failed: work high | 3.0.0 vs 1.0.0: work high (critical): median 0.01");
        assertThat(sameVerdict.decided()).contains(Phase.SUCCESSFUL);
        assertThat(sameVerdict.value()).isEqualTo("score 100");
    }

    private static StatisticalMeasurer judgeSeries(String canary, String baseline) {
        var spec = (dev.slipway.model.ProviderSpec.Statistical) Analyses.step("""
                - name: judge
                  interval: 6s
                  count: 1
                  provider:
                    statistical:
                      confidence: 0.99   # six points a side: the exact test cannot go below p = 0.001
                      groups:
                        - name: work
                          metrics:
                            - name: work
                              critical: true
                              source: {prometheus: {address: %s, query: 'max(work_seconds{revision="{{revision}}"})', step: 1s}}
                """.formatted(prometheus.address())).metrics().get(0).provider();
        return new StatisticalMeasurer(spec, canary, baseline, () -> null, Clock.systemUTC(), 1);
    }
}
