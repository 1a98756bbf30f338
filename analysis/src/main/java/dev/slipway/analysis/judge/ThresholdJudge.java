package dev.slipway.analysis.judge;

import dev.slipway.analysis.Judge;
import dev.slipway.analysis.MetricSample;
import dev.slipway.analysis.Verdict;
import dev.slipway.model.AnalysisSpec;

import java.util.Locale;

/**
 * Fixed thresholds on error rate and p99 latency. A breach fails at once, even with few requests
 * (errors already seen are real); a pass needs {@code minRequests}.
 */
public final class ThresholdJudge implements Judge {

    @Override
    public Verdict judge(AnalysisSpec spec, MetricSample window) {
        double errorRate = window.errorRate();
        double p99 = window.latencyQuantileMillis(0.99);
        boolean enough = window.requests() >= spec.minRequests();
        // With too few requests a handful of errors can swing the rate; require at least a tenth of
        // minRequests before failing on the rate, so one early error does not abort a healthy canary.
        boolean rateMeaningful = window.requests() >= Math.max(1, spec.minRequests() / 10);
        if (rateMeaningful && errorRate > spec.errorRateMax()) {
            return new Verdict(Verdict.Outcome.FAIL, String.format(Locale.ROOT,
                    "error rate %.2f%% over %d requests exceeds the limit %.2f%%",
                    errorRate * 100, window.requests(), spec.errorRateMax() * 100), window.requests(), errorRate, p99);
        }
        if (enough && spec.latencyP99Max().isPresent() && p99 > spec.latencyP99Max().get().toMillis()) {
            return new Verdict(Verdict.Outcome.FAIL, String.format(Locale.ROOT,
                    "p99 latency %.0f ms exceeds the limit %d ms", p99, spec.latencyP99Max().get().toMillis()),
                    window.requests(), errorRate, p99);
        }
        if (!enough) {
            return new Verdict(Verdict.Outcome.INCONCLUSIVE, String.format(Locale.ROOT,
                    "%d of the %d requests needed so far", window.requests(), spec.minRequests()),
                    window.requests(), errorRate, p99);
        }
        return new Verdict(Verdict.Outcome.PASS, String.format(Locale.ROOT,
                "error rate %.2f%% over %d requests", errorRate * 100, window.requests()),
                window.requests(), errorRate, p99);
    }
}
