package dev.slipway.bench;

import dev.slipway.analysis.provider.Providers;
import dev.slipway.analysis.provider.RequestSamples;
import dev.slipway.analysis.run.Measurer;
import dev.slipway.analysis.run.Observation;
import dev.slipway.analysis.run.Phase;
import dev.slipway.model.AnalysisRunSpec;
import dev.slipway.model.MetricSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Many analyses in little time: the real statistical judge ({@code StatisticalMeasurer}, its looks and their
 * false-positive budget, Mann-Whitney and Fisher) fed with requests drawn from what real runs of the sample
 * service showed ({@code samples.txt} of {@code run.sh}). Each simulated analysis picks one real run and redraws
 * canary and baseline from that run's own latencies (a per-run bootstrap), so what differs between two real
 * processes of the same build in that run (warm-up, scheduling) stays in the A/A comparison; failures are drawn
 * at the failure share real baselines showed, plus the scenario's fault. What it cannot show — a database gate,
 * a machine whose load changes in the middle of a run — the real runs measure.
 *
 * <pre>java ... AnalysisSimulation --samples=target/run-X/samples.txt [--aa-runs=2000] [--power-runs=1000]
 *     [--rate=80 (requests/s a side)] [--interval=4s --count=3] [--kept-per-second=80 (latency samples a side)]
 *     [--baseline-errors=0.005 (instead of the share real baselines failed)] [--latency-effect=1.2]
 *     [--canary-from=baseline (A/A: both sides redrawn from the run's baseline: sampling noise only)]</pre>
 */
public final class AnalysisSimulation {
    private static final String CANARY = "canary";
    private static final String BASELINE = "2.0.0-baseline";

    /** One revision in one real run: its requests, failures, and the router's latency samples. */
    record Recorded(long requests, long errors, double[] latencies) {
    }

    /** One real run: canary and baseline as the judge saw them. */
    record RealRun(Recorded canary, Recorded baseline) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("samples", "", "aa-runs", "2000",
                "power-runs", "1000", "rate", "80", "interval", "4s", "count", "3", "kept-per-second", "80",
                "seed", "1", "baseline-errors", "", "latency-effect", ""));
        options.put("canary-from", "canary");
        for (String arg : args) {
            String[] pair = arg.replaceFirst("^--", "").split("=", 2);
            if (!options.containsKey(pair[0]) || pair.length != 2) {
                throw new IllegalArgumentException("unknown option " + arg + " (known: " + options.keySet() + ")");
            }
            options.put(pair[0], pair[1]);
        }
        Map<String, List<RealRun>> runs = read(Path.of(options.get("samples")));
        canaryFromBaseline = options.get("canary-from").equals("baseline");
        List<RealRun> aa = runs.getOrDefault("aa", List.of());
        if (aa.isEmpty()) {
            throw new IllegalArgumentException(options.get("samples") + " has no A/A runs to draw from");
        }
        double baselineShare = options.get("baseline-errors").isEmpty() ? pooledFailureShare(aa)
                : Double.parseDouble(options.get("baseline-errors"));
        AnalysisRunSpec spec = AnalysisBench.analysis(options.get("interval"), options.get("count"),
                options.get("latency-effect"));
        MetricSpec judge = spec.templates().get(0).metrics().get(0);
        int looks = judge.effectiveCount();
        double interval = judge.interval().orElseThrow().toMillis() / 1000.0;
        int perLook = (int) Math.round(Double.parseDouble(options.get("rate")) * interval);
        int keptPerLook = (int) Math.min(perLook, Math.round(Double.parseDouble(options.get("kept-per-second")) * interval));
        SplittableRandom random = new SplittableRandom(Long.parseLong(options.get("seed")));

        List<String> table = new ArrayList<>();
        table.add(simulate("aa", "identical release (A/A)", aa, baselineShare, baselineShare,
                Integer.parseInt(options.get("aa-runs")), judge, looks, interval, perLook, keptPerLook, random));
        table.add(simulate("errors", "+2 points of errors", aa, baselineShare, baselineShare + 0.02,
                Integer.parseInt(options.get("power-runs")), judge, looks, interval, perLook, keptPerLook, random));
        List<RealRun> latency = runs.getOrDefault("latency", List.of());
        if (!latency.isEmpty()) {
            table.add(simulate("latency", "+30 % latency", latency, baselineShare, baselineShare,
                    Integer.parseInt(options.get("power-runs")), judge, looks, interval, perLook, keptPerLook, random));
        }
        String header = String.format(Locale.ROOT, "%-8s %-28s %5s %7s %7s %7s %9s %-17s %9s %9s  %s", "scenario",
                "release", "runs", "failed", "incon.", "errors", "rate", "95 % CI", "TTD p50", "TTD p90", "caught by");
        System.out.printf(Locale.ROOT, "simulation: %s; %d requests and %d latency samples a side per look,"
                        + " baseline failure share %.3f%%, drawn from %d A/A and %d latency runs%n%s%n%s%n", options,
                perLook, keptPerLook, baselineShare * 100, aa.size(), latency.size(), header, String.join("\n", table));
    }

    private static boolean canaryFromBaseline;

    private static String simulate(String scenario, String release, List<RealRun> source, double baselineShare,
                                   double canaryShare, int runs, MetricSpec judge, int looks, double interval,
                                   int perLook, int keptPerLook, SplittableRandom random) throws Exception {
        int failed = 0;
        int inconclusive = 0;
        List<Double> detection = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            RealRun real = source.get(random.nextInt(source.size()));
            // --canary-from=baseline: both sides from the same real process, so only sampling noise differs
            Growing canary = new Growing(canaryFromBaseline && scenario.equals("aa") ? real.baseline().latencies()
                    : real.canary().latencies(), canaryShare);
            Growing baseline = new Growing(real.baseline().latencies(), baselineShare);
            RequestSamples requests = (start, revisions) -> Map.of(CANARY, canary.window(), BASELINE, baseline.window());
            Providers providers = new Providers(new Providers.Environment("orders", null, () -> requests,
                    Optional.empty(), Path.of("."), Clock.systemUTC()));
            try (Measurer measurer = providers.create(judge, Map.of("canary", CANARY, "baseline", BASELINE,
                    "stable", "2.0.0", "service", "orders"))) {
                for (int look = 1; look <= looks; look++) {
                    canary.grow(perLook, keptPerLook, random);
                    baseline.grow(perLook, keptPerLook, random);
                    Phase phase = measurer.measure().decided().orElseThrow();
                    if (phase == Phase.FAILED) {
                        failed++;
                        detection.add(look * interval);
                        break;
                    }
                    if (phase == Phase.INCONCLUSIVE) {
                        inconclusive++;
                        break;
                    }
                }
            }
        }
        return Rates.row(scenario, release, runs, failed, inconclusive, 0, detection, "judge (simulated)");
    }

    /** One side's requests since the simulated analysis began. */
    private static final class Growing {
        private final double[] from;
        private final double failureShare;
        private double[] kept = new double[0];
        private long requests;
        private long errors;

        Growing(double[] from, double failureShare) {
            this.from = from;
            this.failureShare = failureShare;
        }

        void grow(int more, int keptMore, SplittableRandom random) {
            requests += more;
            for (int i = 0; i < more; i++) {
                errors += random.nextDouble() < failureShare ? 1 : 0;
            }
            int size = kept.length;
            kept = Arrays.copyOf(kept, size + keptMore);
            for (int i = size; i < kept.length; i++) {
                kept[i] = from[random.nextInt(from.length)];
            }
        }

        RequestSamples.Window window() {
            return new RequestSamples.Window(kept.clone(), requests, errors);
        }
    }

    private static double pooledFailureShare(List<RealRun> runs) {
        long requests = 0;
        long errors = 0;
        for (RealRun run : runs) {
            requests += run.canary().requests() + run.baseline().requests();
            errors += run.canary().errors() + run.baseline().errors();
        }
        return requests == 0 ? 0 : (double) errors / requests;
    }

    /** samples.txt: {@code scenario run revision requests errors millis latency...}, one line per revision per run. */
    static Map<String, List<RealRun>> read(Path file) throws Exception {
        Map<String, Map<String, Map<String, Recorded>>> byScenario = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] fields = line.strip().split(" ");
            if (fields.length < 6) {
                continue;
            }
            double[] latencies = new double[fields.length - 6];
            for (int i = 0; i < latencies.length; i++) {
                latencies[i] = Double.parseDouble(fields[6 + i]);
            }
            byScenario.computeIfAbsent(fields[0], s -> new LinkedHashMap<>())
                    .computeIfAbsent(fields[1], r -> new LinkedHashMap<>())
                    .put(fields[2], new Recorded(Long.parseLong(fields[3]), Long.parseLong(fields[4]), latencies));
        }
        Map<String, List<RealRun>> runs = new LinkedHashMap<>();
        byScenario.forEach((scenario, byRun) -> byRun.values().forEach(revisions -> {
            Recorded canary = revisions.get(CANARY);
            Recorded baseline = revisions.get(BASELINE);
            // a run too short to have latencies teaches nothing, nor one the machine's load stalled (see Summary)
            if (canary != null && baseline != null && canary.latencies().length >= 50 && baseline.latencies().length >= 50
                    && !Summary.overloaded(baseline.requests(), baseline.errors(), baseline.latencies())) {
                runs.computeIfAbsent(scenario, s -> new ArrayList<>()).add(new RealRun(canary, baseline));
            }
        }));
        return runs;
    }

    private AnalysisSimulation() {
    }
}
