package dev.slipway.controller.guard;

import dev.slipway.controller.BadInputException;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.model.support.OwnerOnly;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Backups that make a forced override acceptable: a {@code pg_dump} of the service database taken now, or a file
 * the user names. Either way the result carries the file's SHA-256 for the audit history.
 */
public final class Backups {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private Backups() {
    }

    /** An existing backup file named by the user; it must exist and not be empty. */
    public static ForceOverride named(Path file, String reason) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("--backup " + file + ": no such file");
        }
        try {
            if (Files.size(file) == 0) {
                throw new BadInputException("--backup " + file + ": the file is empty");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ForceOverride(file.toAbsolutePath(), sha256(file), reason);
    }

    /** How long a pg_dump may run before it is killed and the backup fails. */
    static final Duration PG_DUMP_TIMEOUT = Duration.ofMinutes(10);

    /**
     * Dumps the service database with {@code pg_dump} (plain SQL) into {@code directory}. The embedded
     * PostgreSQL ships no pg_dump, so the system's is used (PATH or /usr/lib/postgresql/N/bin).
     */
    public static ForceOverride take(DatabaseTarget database, Path directory, String service, Clock clock, String reason) {
        Path pgDump = findPgDump().orElseThrow(() -> new IllegalStateException(
                "pg_dump is not installed (Debian: apt-get install postgresql-client); pass --backup <file> instead"));
        return take(database, directory, service, clock, reason, pgDump, PG_DUMP_TIMEOUT);
    }

    /**
     * As {@link #take(DatabaseTarget, Path, String, Clock, String)} with this {@code pg_dump} and timeout. The backup
     * directory is 0700 and the dump 0600 (it holds every row of the service); the password goes to pg_dump in its
     * environment, never on its command line. A pg_dump still running at the timeout is killed (with whatever it
     * started), its partial dump removed, and the backup fails.
     */
    static ForceOverride take(DatabaseTarget database, Path directory, String service, Clock clock, String reason,
                              Path pgDump, Duration timeout) {
        URI uri = URI.create(database.jdbcUrl().substring("jdbc:".length()));
        String databaseName = uri.getPath().substring(1);
        OwnerOnly.directory(directory);
        Path file = directory.resolve(service + "-" + STAMP.format(clock.instant()) + ".sql");
        Path output = directory.resolve(file.getFileName() + ".log");
        boolean done = false;
        try {
            OwnerOnly.file(file); // pg_dump truncates and fills it, keeping the mode
            List<String> command = new ArrayList<>(List.of(pgDump.toString(), "--host", uri.getHost(),
                    "--port", String.valueOf(uri.getPort() > 0 ? uri.getPort() : 5432), "--username", database.user(),
                    "--no-password", "--file", file.toString(), databaseName));
            // Its messages go to a file, not a pipe: reading a pipe to its end would wait for a hung pg_dump forever.
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(OwnerOnly.file(output).toFile()));
            builder.environment().put("PGPASSWORD", database.password() == null ? "" : database.password());
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException("pg_dump of " + databaseName + " did not finish within "
                        + timeout.toSeconds() + " s and was stopped; no backup was taken. " + messages(output));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("pg_dump of " + databaseName + " failed (exit " + process.exitValue()
                        + "): " + messages(output));
            }
            done = true;
            return new ForceOverride(file.toAbsolutePath(), sha256(file), reason);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take a backup: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while taking a backup", e);
        } finally {
            deleteQuietly(output);
            if (!done) {
                deleteQuietly(file);
            }
        }
    }

    private static String messages(Path output) {
        try {
            String text = Files.readString(output).strip();
            return text.isEmpty() ? "(it printed nothing)" : text;
        } catch (IOException e) {
            return "(its output is unreadable: " + e.getMessage() + ")";
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover 0600 file in the owner's backup directory harms nobody
        }
    }

    public static Optional<Path> findPgDump() {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(directory.isEmpty() ? "." : directory, "pg_dump");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (var versions = Files.list(debian)) {
                return versions.map(v -> v.resolve("bin/pg_dump")).filter(Files::isExecutable)
                        .max(Path::compareTo);
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int read; (read = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read backup " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
