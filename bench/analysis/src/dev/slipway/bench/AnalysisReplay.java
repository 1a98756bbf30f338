package dev.slipway.bench;

import dev.slipway.analysis.judge.AlphaSpending;
import dev.slipway.analysis.judge.Classification;
import dev.slipway.analysis.judge.RankComparison;
import dev.slipway.model.ProviderSpec.Direction;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Real recorded runs ({@code samples.txt} of {@code run.sh}, which keeps each run's whole planned window even when
 * the analysis failed early) judged again, look by look, by the latency comparison with other effect sizes: which
 * effect size keeps identical releases passing and catches +30 % latency, on the very requests real processes
 * answered. Look {@code k} of {@code K} sees the first {@code k/K} of each side's requests in the order they ended
 * (the load is open-loop at a steady rate) and tests at the level {@link AlphaSpending} gives it, as the judge does.
 * Two rules side by side: {@code margin} (today's judge: significantly beyond the effect size) and
 * {@code point} (the previous judge: significant, and the ratio of medians at least the effect size).
 *
 * <pre>java ... AnalysisReplay --samples=target/run-X/samples.txt[,target/run-Y/samples.txt] [--floors=1.1,1.15,1.2]
 *     [--confidence=0.995] [--count=3] [--interval=4]</pre>
 */
public final class AnalysisReplay {
    private AnalysisReplay() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("samples", "", "floors", "1.1,1.15,1.2",
                "confidence", "0.995", "count", "3", "interval", "4"));
        for (String arg : args) {
            String[] pair = arg.replaceFirst("^--", "").split("=", 2);
            if (!options.containsKey(pair[0]) || pair.length != 2) {
                throw new IllegalArgumentException("unknown option " + arg + " (known: " + options.keySet() + ")");
            }
            options.put(pair[0], pair[1]);
        }
        Map<String, List<AnalysisSimulation.RealRun>> runs = new LinkedHashMap<>();
        for (String file : options.get("samples").split(",")) {
            AnalysisSimulation.read(Path.of(file)).forEach((scenario, some) ->
                    runs.computeIfAbsent(scenario, s -> new ArrayList<>()).addAll(some));
        }
        int looks = Integer.parseInt(options.get("count"));
        double interval = Double.parseDouble(options.get("interval"));
        AlphaSpending spending = new AlphaSpending(1 - Double.parseDouble(options.get("confidence")), looks);
        System.out.printf(Locale.ROOT, "replay: %s%n%-8s %-14s %5s %7s %9s %-17s %9s %9s  %s%n", options, "scenario",
                "rule", "runs", "failed", "rate", "95 % CI", "TTD p50", "TTD p90", "canary/baseline median ratio");
        for (String scenario : List.of("aa", "latency", "errors", "locks")) {
            List<AnalysisSimulation.RealRun> some = runs.getOrDefault(scenario, List.of());
            if (some.isEmpty()) {
                continue;
            }
            for (String floor : options.get("floors").split(",")) {
                for (boolean margin : new boolean[]{true, false}) {
                    int failed = 0;
                    List<Double> detection = new ArrayList<>();
                    for (AnalysisSimulation.RealRun run : some) {
                        int look = firstFailingLook(run, looks, spending, Double.parseDouble(floor), margin);
                        if (look > 0) {
                            failed++;
                            detection.add(look * interval);
                        }
                    }
                    double[] ci = Rates.wilson(failed, some.size());
                    System.out.printf(Locale.ROOT, "%-8s %-14s %5d %7d %8.1f%% %-17s %9s %9s  %s%n", scenario,
                            (margin ? "margin x" : "point x") + floor, some.size(), failed,
                            100.0 * failed / some.size(), String.format(Locale.ROOT, "%.1f–%.1f %%", ci[0] * 100,
                                    ci[1] * 100), Rates.quantile(detection, 0.5), Rates.quantile(detection, 0.9),
                            margin ? ratios(some) : "");
                }
            }
        }
    }

    /** The look at which the latency comparison fails the run, or 0 if it never does. */
    private static int firstFailingLook(AnalysisSimulation.RealRun run, int looks, AlphaSpending spending,
                                        double floor, boolean margin) {
        for (int look = 1; look <= looks; look++) {
            double[] canary = prefix(run.canary().latencies(), look, looks);
            double[] baseline = prefix(run.baseline().latencies(), look, looks);
            double confidence = 1 - spending.levelAt(look);
            boolean high;
            if (margin) {
                high = RankComparison.compare("latency", "g", canary, baseline, Direction.INCREASE, confidence, floor,
                        50, true).classification() == Classification.HIGH;
            } else {
                high = RankComparison.compare("latency", "g", canary, baseline, Direction.INCREASE, confidence, 1,
                        50, true).classification() == Classification.HIGH && RankComparison.median(canary) >= floor * RankComparison.median(baseline);
            }
            if (high) {
                return look;
            }
        }
        return 0;
    }

    private static double[] prefix(double[] latencies, int look, int looks) {
        return Arrays.copyOf(latencies, (int) Math.round((double) latencies.length * look / looks));
    }

    /** The spread of whole-run median ratios: min, 5th, 50th, 95th percentile, max. */
    private static String ratios(List<AnalysisSimulation.RealRun> runs) {
        double[] ratios = runs.stream().mapToDouble(run -> RankComparison.median(run.canary().latencies())
                / RankComparison.median(run.baseline().latencies())).sorted().toArray();
        return String.format(Locale.ROOT, "min %.2f p5 %.2f p50 %.2f p95 %.2f max %.2f", ratios[0],
                ratios[(int) (0.05 * (ratios.length - 1))], ratios[(ratios.length - 1) / 2],
                ratios[(int) Math.ceil(0.95 * (ratios.length - 1))], ratios[ratios.length - 1]);
    }
}
