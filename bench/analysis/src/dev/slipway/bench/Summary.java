package dev.slipway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table of a real run ({@code runs.txt} and {@code samples.txt} of one {@code target/run-*} folder): per
 * scenario the runs, how many failed (detections; false positives for A/A) with a 95 % interval, and the time to
 * detection. A run whose baseline — a healthy 2.0.0 — itself failed more than 5 % of its requests or answered in
 * a median above one second compared nothing but an overloaded machine (the load of other builds stalls every
 * process at once); it is counted apart as "overloaded", not as a pass or a detection. Not so for the lock-holding
 * release: its locks are what stall the baseline's order writes (they share the database), so its runs all count.
 *
 * <pre>java ... Summary target/run-X</pre>
 */
public final class Summary {
    private static final Pattern RUN = Pattern.compile("^(\\S+) run (\\d+): (\\S+) in ([0-9.]+) s: (.*)$");
    private static final Pattern CAUGHT = Pattern.compile("^metric (\\S+) failed");
    private static final String BASELINE = "2.0.0-baseline";

    private Summary() {
    }

    public static void main(String[] args) throws Exception {
        System.out.print(table(Path.of(args[0])));
    }

    /** One scenario's tally. */
    private static final class Tally {
        final String release;
        int runs;
        int failed;
        int inconclusive;
        int errors;
        int overloaded;
        final List<Double> detection = new ArrayList<>();
        final Map<String, Integer> caughtBy = new LinkedHashMap<>();

        Tally(String release) {
            this.release = release;
        }
    }

    static String table(Path run) throws Exception {
        Map<String, Boolean> overloaded = overloadedRuns(run.resolve("samples.txt"));
        Map<String, Tally> tallies = new LinkedHashMap<>();
        for (String line : Files.readAllLines(run.resolve("runs.txt"))) {
            Matcher matcher = RUN.matcher(line);
            if (!matcher.matches()) {
                continue;
            }
            String scenario = matcher.group(1);
            Tally tally = tallies.computeIfAbsent(scenario, s -> new Tally(release(s)));
            if (!scenario.equals("locks") && overloaded.getOrDefault(scenario + " " + matcher.group(2), false)) {
                tally.overloaded++;
                continue;
            }
            tally.runs++;
            switch (matcher.group(3)) {
                case "FAILED" -> {
                    tally.failed++;
                    tally.detection.add(Double.parseDouble(matcher.group(4)));
                    Matcher caught = CAUGHT.matcher(matcher.group(5));
                    tally.caughtBy.merge(caught.find() ? caught.group(1) : "?", 1, Integer::sum);
                }
                case "INCONCLUSIVE" -> tally.inconclusive++;
                case "ERROR" -> tally.errors++;
                default -> {
                }
            }
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "%-8s %-28s %5s %7s %7s %7s %9s %-17s %9s %9s  %s%n", "scenario", "release", "runs", "failed",
                "incon.", "errors", "rate", "95 % CI", "TTD p50", "TTD p90", "caught by (overloaded runs apart)"));
        tallies.forEach((scenario, tally) -> table.append(Rates.row(scenario, tally.release, tally.runs, tally.failed,
                tally.inconclusive, tally.errors, tally.detection, tally.caughtBy + " (" + tally.overloaded
                        + " overloaded)")).append('\n'));
        return table.toString();
    }

    private static String release(String scenario) {
        return switch (scenario) {
            case "aa" -> "identical release (A/A)";
            case "errors" -> "+2 points of errors";
            case "latency" -> "+30 % latency";
            case "locks" -> "holds a table lock 300 ms";
            default -> scenario;
        };
    }

    /** "scenario run" of each run whose baseline was overloaded (see the class comment). */
    private static Map<String, Boolean> overloadedRuns(Path samples) throws Exception {
        Map<String, Boolean> overloaded = new LinkedHashMap<>();
        if (!Files.exists(samples)) {
            return overloaded;
        }
        for (String line : Files.readAllLines(samples)) {
            String[] fields = line.strip().split(" ");
            if (fields.length < 6 || !fields[2].equals(BASELINE)) {
                continue;
            }
            double[] latencies = Arrays.stream(fields, 6, fields.length).mapToDouble(Double::parseDouble).toArray();
            overloaded.put(fields[0] + " " + fields[1],
                    overloaded(Long.parseLong(fields[3]), Long.parseLong(fields[4]), latencies));
        }
        return overloaded;
    }

    /** True when a healthy baseline failed more than 5 % of its requests or answered in a median above 1 s. */
    static boolean overloaded(long requests, long errors, double[] latencies) {
        double[] sorted = latencies.clone();
        Arrays.sort(sorted);
        double median = sorted.length == 0 ? 0 : sorted[sorted.length / 2];
        return requests > 0 && (errors > 0.05 * requests || median > 1000);
    }
}
