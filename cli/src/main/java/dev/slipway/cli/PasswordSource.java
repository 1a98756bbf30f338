package dev.slipway.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Optional;

/**
 * Where the password of a server named by a JDBC URL comes from, first found wins: a file (first line; e.g.
 * {@code --db-password-file} or the spec's {@code database.passwordFile}), the URL's {@code password=} parameter,
 * the {@code PGPASSWORD} environment variable. A password in the URL works but is warned about: on a command line
 * every user of the machine reads it in the process list ({@code ps}), and in a spec it ends up in version control.
 *
 * @param file        the password file, if one was named
 * @param urlOrigin   names where the URL came from in the warning, e.g. {@code --db} or {@code slipway.yaml database.url}
 * @param fileOption  names how to give a file instead, e.g. {@code --db-password-file FILE}
 * @param warnings    where the warning goes (standard error)
 */
public record PasswordSource(Optional<Path> file, String urlOrigin, String fileOption, PrintStream warnings) {

    /** For {@code --db} on a command line. */
    public static PasswordSource commandLine(Path file) {
        return new PasswordSource(Optional.ofNullable(file), "--db", "--db-password-file FILE", System.err);
    }

    /** The password for a URL whose query parameters are {@code query}. */
    String password(Map<String, String> query, Map<String, String> environment) {
        if (file.isPresent()) {
            if (query.containsKey("password")) {
                warnings.println("warning: " + urlOrigin + " carries a password, which is ignored: the password file "
                        + file.get() + " is used");
            }
            return read(file.get());
        }
        if (query.containsKey("password")) {
            warnings.println("warning: " + urlOrigin + " carries a password: "
                    + (urlOrigin.startsWith("--") ? "every user of this machine can read it in the process list (ps)"
                    : "it ends up wherever the file goes") + "; give it with " + fileOption + " or in PGPASSWORD instead");
            return query.get("password");
        }
        return environment.getOrDefault("PGPASSWORD", "");
    }

    private String read(Path path) {
        try {
            if (Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
                var permissions = Files.getPosixFilePermissions(path);
                if (permissions.contains(PosixFilePermission.OTHERS_READ) || permissions.contains(PosixFilePermission.GROUP_READ)) {
                    warnings.println("warning: the password file " + path + " is readable by other users (chmod 600 "
                            + path + ")");
                }
            }
            return Files.readAllLines(path).stream().findFirst().orElse("").strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the password file " + path + ": " + e.getMessage(), e);
        }
    }
}
