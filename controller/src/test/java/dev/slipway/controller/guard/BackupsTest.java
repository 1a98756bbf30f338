package dev.slipway.controller.guard;

import dev.slipway.controller.DatabaseTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Backups taken for a forced override, with stand-ins for pg_dump: one that works, one that hangs. */
class BackupsTest {
    private static final DatabaseTarget DATABASE = new DatabaseTarget("jdbc:postgresql://127.0.0.1:5999/orders",
            "postgres", "s3cret-password");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path directory;

    @Test
    void aHungPgDumpIsStoppedAtTheTimeoutAndLeavesNoBackupBehind() throws Exception {
        Path marker = directory.resolve("hung.pid");
        // it starts a child that holds the output open, as a pg_dump stuck on a lock with a helper would
        Path pgDump = script("hung-pg_dump", "sleep 600 &\necho $! > " + marker + "\necho dumping\nwait\n");
        Path backups = directory.resolve("backups");

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() ->
                Backups.take(DATABASE, backups, "orders", CLOCK, "test", pgDump, Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not finish within 2 s")
                .hasMessageContaining("dumping"));

        try (var left = Files.list(backups)) {
            assertThat(left).as("no partial dump, no output file").isEmpty();
        }
        long child = Long.parseLong(Files.readString(marker).strip());
        assertThat(ProcessHandle.of(child).map(process -> process.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
                .exceptionally(e -> process).join().isAlive()).orElse(false)).as("its child was stopped too").isFalse();
    }

    @Test
    void aBackupIsReadableByItsOwnerOnlyAndThePasswordNeverReachesTheCommandLine() throws Exception {
        Path arguments = directory.resolve("arguments");
        Path environment = directory.resolve("environment");
        Path pgDump = script("pg_dump", """
                echo "$@" > %s
                echo "$PGPASSWORD" > %s
                while [ $# -gt 0 ]; do if [ "$1" = --file ]; then out="$2"; fi; shift; done
                echo "-- a dump" > "$out"
                """.formatted(arguments, environment));
        Path backups = directory.resolve("backups");

        ForceOverride backup = Backups.take(DATABASE, backups, "orders", CLOCK, "test", pgDump, Duration.ofSeconds(30));

        assertThat(Files.readString(backup.backup())).isEqualTo("-- a dump\n");
        assertThat(mode(backups)).isEqualTo("rwx------");
        assertThat(mode(backup.backup())).isEqualTo("rw-------");
        assertThat(Files.readString(arguments)).doesNotContain("s3cret").contains("--no-password");
        assertThat(Files.readString(environment).strip()).isEqualTo("s3cret-password");
        try (var files = Files.list(backups)) {
            assertThat(files).containsExactly(backup.backup());
        }
    }

    @Test
    void aFailingPgDumpSaysWhyAndLeavesNoBackupBehind() throws Exception {
        Path pgDump = script("failing-pg_dump", "echo 'pg_dump: error: connection refused' >&2\nexit 1\n");
        Path backups = directory.resolve("backups");

        assertThatThrownBy(() -> Backups.take(DATABASE, backups, "orders", CLOCK, "test", pgDump, Duration.ofSeconds(30)))
                .hasMessageContaining("failed (exit 1): pg_dump: error: connection refused");
        try (var left = Files.list(backups)) {
            assertThat(left).isEmpty();
        }
    }

    private Path script(String name, String body) throws IOException {
        Path script = directory.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
