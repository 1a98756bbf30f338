package dev.slipway.model;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store keeps releases as {@link SpecWriter} writes them and a restarted controller reads them back with
 * {@link SpecParser#parseRelease}: for any release the parser accepts, reading what was written gives the same release
 * — text with control characters, line breaks, quotes, unicode and YAML's special words included.
 */
class SpecWriterProperties {

    @Property(tries = 500)
    void whatIsWrittenReadsBackAsTheSameRelease(@ForAll("releases") ReleaseSpec release) {
        String yaml = SpecWriter.release(release);

        assertThat(SpecParser.parseRelease("stored", yaml)).as(yaml).isEqualTo(release);
    }

    @Property(tries = 100)
    void aWrittenReleaseStaysTheSameWhenIndentedIntoASpec(@ForAll("releases") ReleaseSpec release) {
        String spec = "service: items\nrelease:\n" + SpecWriter.release(release).lines().map(line -> "  " + line)
                .reduce("", (all, line) -> all + line + "\n");

        assertThat(SpecParser.parse("slipway.yaml", spec).release()).as(spec).isEqualTo(release);
    }

    @Example
    void aCarriageReturnInAnEnvironmentValueSurvives() {
        ReleaseSpec release = new ReleaseSpec("1.0.0", new RunSpec(List.of("app"), Map.of("GREETING", "hello\r\nworld\r")),
                SchemaRange.only(1), 1, HealthSpec.defaults(), new StrategySpec.Canary(List.of()));

        assertThat(SpecParser.parseRelease("stored", SpecWriter.release(release))).isEqualTo(release);
    }

    @Provide
    Arbitrary<ReleaseSpec> releases() {
        Arbitrary<RunSpec> run = Combinators.combine(nonBlank().list().ofMinSize(1).ofMaxSize(4),
                Arbitraries.maps(environmentNames(), text()).ofMaxSize(4)).as(RunSpec::new);
        Arbitrary<SchemaRange> schema = Arbitraries.integers().between(0, 1000).flatMap(min ->
                Arbitraries.integers().between(min, min + 5).map(max -> new SchemaRange(min, max)));
        Arbitrary<HealthSpec> health = Combinators.combine(probe(), probe()).as(HealthSpec::new);
        return Combinators.combine(nonBlank(), run, schema, Arbitraries.integers().between(1, 100), health, strategy(),
                duration(0).optional()).as(ReleaseSpec::new);
    }

    private Arbitrary<StrategySpec> strategy() {
        Arbitrary<StrategySpec.Quantity> quantity = Combinators.combine(Arbitraries.integers().between(0, 100),
                Arbitraries.of(true, false)).as(StrategySpec.Quantity::new);
        Arbitrary<StrategySpec> rolling = Combinators.combine(quantity, quantity).as(StrategySpec.Rolling::new)
                .filter(r -> r.maxSurge().value() > 0 || r.maxUnavailable().value() > 0).map(r -> r);
        Arbitrary<StrategySpec> blueGreen = Combinators.combine(duration(0).optional(), analysis().optional(), duration(0),
                nonBlank()).as(StrategySpec.BlueGreen::new);
        Arbitrary<StrategySpec> canary = step().list().ofMaxSize(6).map(StrategySpec.Canary::new);
        return Arbitraries.oneOf(rolling, blueGreen, canary);
    }

    private Arbitrary<CanaryStep> step() {
        Arbitrary<Optional<Integer>> size = Arbitraries.integers().between(0, 100).optional();
        return Arbitraries.oneOf(
                Arbitraries.integers().between(0, 100).map(CanaryStep.SetWeight::new),
                duration(0).optional().map(CanaryStep.Pause::new),
                analysis().map(CanaryStep.Analysis::new),
                Combinators.combine(nonBlank(), nonBlank()).as(CanaryStep.SetHeaderRoute::new),
                Combinators.combine(size, size).as(CanaryStep.SetCanaryScale::new)
                        .filter(scale -> scale.replicas().isEmpty() || scale.percent().isEmpty()));
    }

    private Arbitrary<AnalysisSpec> analysis() {
        return Combinators.combine(Arbitraries.doubles().between(0, 1), duration(0).optional(),
                Arbitraries.longs().between(1, Integer.MAX_VALUE), duration(0)).as(AnalysisSpec::new);
    }

    private Arbitrary<ProbeSpec> probe() {
        return Combinators.combine(nonBlank().map(path -> "/" + path), duration(1), duration(1),
                Arbitraries.integers().between(1, 1000), duration(0)).as(ProbeSpec::new);
    }

    /** Whole milliseconds from {@code min} up to ten days: what the spec's duration syntax can say. */
    private Arbitrary<Duration> duration(long min) {
        return Arbitraries.longs().between(min, Duration.ofDays(10).toMillis()).map(Duration::ofMillis);
    }

    private Arbitrary<String> environmentNames() {
        return Combinators.combine(Arbitraries.strings().withCharRange('A', 'Z').withChars('_').ofLength(1),
                Arbitraries.strings().withCharRange('A', 'Z').withCharRange('a', 'z').withCharRange('0', '9')
                        .withChars('_').ofMaxLength(8)).as(String::concat);
    }

    private Arbitrary<String> nonBlank() {
        return text().filter(value -> !value.isBlank());
    }

    /**
     * Any text a UTF-8 file can hold: control characters, line breaks of every kind, quotes and backslashes,
     * characters beyond the BMP, and words and marks that mean something to YAML.
     */
    private Arbitrary<String> text() {
        Arbitrary<String> special = Arbitraries.of("no", "No", "yes", "on", "off", "true", "null", "~", "", " ", "- x",
                "a: b", ": ", "#", "# not a comment", "&anchor", "*alias", "!tag", "%", "@", "`", "'", "\"", "\\",
                "{}", "[]", "{a: b}", "0x1F", "1e3", "0o17", ".inf", "-.NaN", "2026-12-06", "12:30", "?", "|", ">",
                "\r", "\r\n", "\n\n", "\t", "\u0000", "\u0007", "\u001b[0m", "\u007f", "\u0085", "\u00a0", "\u2028",
                "\u2029", "\ufeff", "\ud83d\ude00", "\u00e9t\u00e9", "\u65e5\u672c", " leading", "trailing ", "a  b");
        Arbitrary<String> any = Arbitraries.strings().withCharRange('\u0000', '\u00ff').withCharRange('\u0100', '\ud7ff')
                .withCharRange('\ue000', '\ufffd').ofMaxLength(20);
        Arbitrary<String> mixed = Combinators.combine(special, any, special).as((a, b, c) -> a + b + c);
        return Arbitraries.oneOf(special, any, mixed);
    }
}
