package dev.slipway.cli;

import dev.slipway.testkit.fuzz.FuzzSeeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code slipway lint} checks specs, environment files and migration files offline; {@code slipway apply} checks its
 * file before it looks for a controller.
 */
class LintCommandTest {
    @TempDir
    Path directory;

    @Test
    void validFilesOfEveryKindPassAndADirectoryStandsForItsFiles() throws Exception {
        Path spec = write("slipway.yaml", FuzzSeeds.specs().get(0));
        Path environments = write("environments.yaml", FuzzSeeds.environments().get(0));
        Path migrations = SlipwayProcesses.home().resolve("examples/orders/migrations");

        CliHarness.Result result = CliHarness.run("lint", spec.toString(), environments.toString(), migrations.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains(spec + ": ok (spec of orders 2.0.0)",
                environments + ": ok (environments of orders: 3)",
                "001_initial.yaml: ok (migration to version 1, 2 operation(s))",
                "002_split_name.yaml: ok (migration to version 2, 3 operation(s))", "4 files: 4 valid, 0 with problems");
    }

    @Test
    void everyProblemIsLocatedAndTheExitCodeIsOne() throws Exception {
        Path spec = write("slipway.yaml", FuzzSeeds.specs().get(0).replace("replicas: 3", "replicas: many"));
        Path migration = write("004_broken.yaml", "operations:\n  - add_column: {table: customers}\n");
        Path environments = write("environments.yaml", "service: orders\nenvironments:\n  prod: {promotion: {from: prod}}\n");
        Path fine = write("ok.yaml", FuzzSeeds.specs().get(1));

        CliHarness.Result result = CliHarness.run("lint", spec.toString(), migration.toString(), environments.toString(),
                fine.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().lines()).containsExactly(
                spec + ":9:13: release.replicas: 'many' is not a whole number",
                "004_broken.yaml:2:17: operations[0].add_column: missing required field 'column'",
                environments + ":3:9: environments.prod: missing required field 'stateDir'");
        assertThat(result.out()).contains(fine + ": ok", "4 files: 1 valid, 3 with problems");
    }

    @Test
    void applyChecksTheFileBeforeItLooksForAController() throws Exception {
        Path spec = write("slipway.yaml", FuzzSeeds.specs().get(0).replace("setWeight: 50", "setWeight: 500"));
        Path state = directory.resolve(".slipway");

        CliHarness.Result result = CliHarness.run("apply", "-f", spec.toString(), "--state-dir", state.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("error: " + spec + ":")
                .contains("setWeight: 500 is not a percentage").doesNotContain("no Slipway controller");
        assertThat(state).doesNotExist();

        CliHarness.Result valid = CliHarness.run("apply", "-f", write("ok.yaml", FuzzSeeds.specs().get(0)).toString(),
                "--state-dir", state.toString());
        assertThat(valid.err()).contains("no Slipway controller is running here");
    }

    private Path write(String name, String text) throws Exception {
        Path file = directory.resolve(name);
        Files.writeString(file, text);
        return file;
    }
}
