package dev.slipway.cli;

import dev.slipway.testkit.fuzz.FuzzSeeds;
import dev.slipway.testkit.fuzz.LocatedErrors;
import dev.slipway.testkit.fuzz.YamlMutations;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15 item 5 through the command line: {@code slipway lint} on mutated specs, environment files and migration
 * files exits 0 or 1 and prints only located errors (never picocli's "error:" for an exception that escaped), and
 * {@code slipway apply} of a mutated spec says what is wrong with the file — or, for a valid one, that no controller
 * runs — without creating anything in the state directory.
 */
class LintFuzzProperties {
    private static Path directory;

    @BeforeContainer
    static void createDirectory() throws IOException {
        directory = Files.createTempDirectory("slipway-lint-fuzz-");
    }

    @AfterContainer
    static void deleteDirectory() throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Property(tries = 300)
    void lintEndsInOkOrLocatedErrors(@ForAll("files") Input input) throws IOException {
        Path file = directory.resolve(input.name());
        Files.write(file, input.mutated().text().getBytes(StandardCharsets.UTF_8)); // a lone surrogate becomes ?

        CliHarness.Result result = CliHarness.run("lint", file.toString());

        Statistics.label("exit code").collect(result.exitCode());
        assertThat(result.exitCode()).as(result.err()).isIn(0, 1);
        String shownName = input.name().equals(FuzzSeeds.MIGRATION_FILE) ? input.name() : file.toString();
        if (result.exitCode() == 1) {
            LocatedErrors.assertLocated(result.err().strip(), shownName, input.mutated().text());
        } else {
            assertThat(result.out()).contains(file + ": ok (");
        }
    }

    @Property(tries = 100)
    void applyWithoutAControllerSaysWhatIsWrongWithTheFileAndCreatesNothing(@ForAll("specs") YamlMutations.Mutated spec)
            throws IOException {
        Path file = directory.resolve("slipway.yaml");
        Files.write(file, spec.text().getBytes(StandardCharsets.UTF_8));
        Path state = directory.resolve("state");

        CliHarness.Result result = CliHarness.run("apply", "-f", file.toString(), "--state-dir", state.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        String error = result.err().strip();
        assertThat(error).startsWith("error: ");
        if (error.contains(ApiClient.NOT_RUNNING)) {
            Statistics.label("apply").collect("valid spec, no controller");
        } else {
            LocatedErrors.assertLocated(error.substring("error: ".length()), file.toString(), spec.text());
            Statistics.label("apply").collect("located error");
        }
        assertThat(state).as("the state directory").doesNotExist();
    }

    /** A mutated file and the name it is written under. */
    record Input(String name, YamlMutations.Mutated mutated) {
    }

    @Provide
    Arbitrary<Input> files() {
        return net.jqwik.api.Arbitraries.oneOf(
                YamlMutations.of(FuzzSeeds.specs()).map(mutated -> new Input("slipway.yaml", mutated)),
                YamlMutations.of(FuzzSeeds.environments()).map(mutated -> new Input("environments.yaml", mutated)),
                YamlMutations.of(FuzzSeeds.migrations()).map(mutated -> new Input(FuzzSeeds.MIGRATION_FILE, mutated)));
    }

    @Provide
    Arbitrary<YamlMutations.Mutated> specs() {
        return YamlMutations.of(FuzzSeeds.specs());
    }
}
