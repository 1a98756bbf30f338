package dev.slipway.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code slipway schema convert} then {@code slipway schema migrate}, as a user runs them, on the embedded server. */
class SchemaMigrateCommandTest {
    @TempDir
    Path directory;

    @Test
    void aConvertedScriptAndAFollowUpMigrateInOneRun() throws Exception {
        Path migrations = Files.createDirectories(directory.resolve("migrations"));
        Files.writeString(directory.resolve("initial.sql"), """
                CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text);
                CREATE INDEX customers_name_idx ON customers (name);
                """);
        String converted = captured(() -> CliHarness.run("schema", "convert", directory.resolve("initial.sql").toString(),
                "--name", "01_initial"));
        Files.writeString(migrations.resolve("001_initial.yaml"), converted);
        Files.writeString(migrations.resolve("002_phone.yaml"),
                "operations: [{add_column: {table: customers, column: {name: phone, type: text}}}]");

        String state = "--state-dir=" + directory.resolve(".slipway");
        String migrated = captured(() -> CliHarness.run("schema", "migrate", migrations.toString(), state));
        assertThat(migrated).contains("start 1, complete 1, start 2; state {1, 2}");
        String again = captured(() -> CliHarness.run("schema", "migrate", migrations.toString(), "--complete", state));
        assertThat(again).contains("complete 2; state {2}");
    }

    private interface Command {
        CliHarness.Result run();
    }

    /** What the command printed on standard output; fails unless it exited 0. */
    private static String captured(Command command) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        CliHarness.Result result;
        try {
            result = command.run();
        } finally {
            System.setOut(original);
        }
        assertThat(result.exitCode()).as(result.err()).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }
}
