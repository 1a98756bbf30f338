package dev.slipway.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The password of a {@code --db} server need not be on the command line, where every user of the machine reads it
 * in the process list: a file or PGPASSWORD give it, and a password in the URL still works but is warned about.
 */
class PasswordSourceTest {
    @TempDir
    Path directory;
    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();

    @Test
    void aPasswordFileGivesThePasswordAndWinsOverTheUrlAndTheEnvironment() throws Exception {
        Path file = directory.resolve("db-password");
        Files.writeString(file, "from-the-file\nsecond line ignored\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        assertThat(source(file).password(Map.of(), Map.of("PGPASSWORD", "from-env"))).isEqualTo("from-the-file");
        assertThat(warnings()).isEmpty();
        assertThat(source(file).password(Map.of("password", "in-url"), Map.of())).isEqualTo("from-the-file");
        assertThat(warnings()).contains("--db carries a password, which is ignored");
    }

    @Test
    void aPasswordInTheUrlWorksButIsWarnedAbout() {
        assertThat(source(null).password(Map.of("password", "in-url"), Map.of("PGPASSWORD", "from-env")))
                .isEqualTo("in-url");
        assertThat(warnings()).contains("warning: --db carries a password", "process list (ps)",
                "--db-password-file FILE", "PGPASSWORD");
    }

    @Test
    void pgpasswordIsUsedWhenNothingElseGivesOne() {
        assertThat(source(null).password(Map.of(), Map.of("PGPASSWORD", "from-env"))).isEqualTo("from-env");
        assertThat(source(null).password(Map.of(), Map.of())).isEmpty();
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aPasswordFileOthersMayReadIsWarnedAbout() throws Exception {
        Path file = directory.resolve("loose");
        Files.writeString(file, "pw\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(source(file).password(Map.of(), Map.of())).isEqualTo("pw");
        assertThat(warnings()).contains("readable by other users", "chmod 600");
    }

    @Test
    void schemaCommandsTakeTheirPasswordFromAFile() throws Exception {
        try (Database server = Database.open("embedded", directory.resolve("server"))) {
            String url = server.jdbcUrl("postgres") + "?user=postgres";
            Path state = directory.resolve("client");

            CliHarness.Result withFile = CliHarness.run("schema", "status", "--db", url, "--db-password-file",
                    directory.resolve("server").resolve(EmbeddedServer.PASSWORD_FILE).toString(),
                    "--state-dir", state.toString());
            assertThat(withFile.exitCode()).as(withFile.err()).isZero();

            CliHarness.Result without = CliHarness.run("schema", "status", "--db", url, "--state-dir", state.toString());
            assertThat(without.exitCode()).isEqualTo(1);
            assertThat(without.err()).contains("password");
        }
    }

    private PasswordSource source(Path file) {
        return new PasswordSource(Optional.ofNullable(file), "--db", "--db-password-file FILE",
                new PrintStream(warnings, true, StandardCharsets.UTF_8));
    }

    private String warnings() {
        return warnings.toString(StandardCharsets.UTF_8);
    }
}
