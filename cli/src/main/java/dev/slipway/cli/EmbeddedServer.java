package dev.slipway.cli;

import dev.slipway.model.support.AtomicFiles;
import dev.slipway.model.support.OwnerOnly;
import dev.slipway.model.support.Tokens;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.ds.PGSimpleDataSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The embedded PostgreSQL as a real server, for a service that runs for months on it: its data under
 * {@code <stateDir>/postgres}, durable and locked.
 *
 * <ul>
 *   <li>Durable: {@code fsync} and {@code full_page_writes} on (the embedding library starts it with {@code -F},
 *       fsync off, which a later {@code -c fsync=on} overrides) and {@code synchronous_commit} on, so a commit is
 *       acknowledged only once its WAL is flushed: a crash of the server, or of the machine, loses no committed row.</li>
 *   <li>Password logins only: scram-sha-256 for TCP on loopback and for the Unix socket, no {@code trust}. The
 *       superuser's password is generated at the first start and kept in {@code <stateDir>/postgres.password}
 *       (0600); initdb reads it from there, and every Slipway process that attaches to the server reads it too.</li>
 *   <li>A data directory made by an older Slipway (trust logins, no password file) gets a password and the new
 *       {@code pg_hba.conf} at its next start.</li>
 * </ul>
 */
final class EmbeddedServer {
    /** In the state directory: the superuser's password, one line, mode 0600. */
    static final String PASSWORD_FILE = "postgres.password";
    /** In the state directory: the server's port, chosen at its first start and kept, so that its URL never changes. */
    static final String PORT_FILE = "postgres.port";
    static final String SUPERUSER = "postgres";
    private static final String HBA = """
            # Written by Slipway at every start of the embedded server: password (scram-sha-256) logins only.
            # TYPE  DATABASE        USER            ADDRESS                 METHOD
            local   all             all                                     scram-sha-256
            host    all             all             127.0.0.1/32            scram-sha-256
            host    all             all             ::1/128                 scram-sha-256
            local   replication     all                                     scram-sha-256
            host    replication     all             127.0.0.1/32            scram-sha-256
            host    replication     all             ::1/128                 scram-sha-256
            """;

    private EmbeddedServer() {
    }

    /**
     * Starts (initialising it at the first start) the embedded server of {@code stateDirectory} on the port it had
     * before ({@value #PORT_FILE}), so that every URL handed out earlier (to replicas still running, to tools) stays
     * right. When another process holds that port, the server moves to a free one, says so on {@code notes}, and
     * remembers the new one.
     */
    static Started start(Path stateDirectory, Consumer<String> notes) {
        Path portFile = stateDirectory.resolve(PORT_FILE);
        int remembered = rememberedPort(portFile);
        int port = remembered;
        if (remembered > 0 && !ownServerListens(stateDirectory.resolve("postgres"), remembered)
                && !isFree(remembered)) {
            port = freePort();
            notes.accept("the embedded PostgreSQL's port " + remembered + " (kept in " + portFile + ") is taken by"
                    + " another process: it listens on " + port + " from now on; clients given the old URL must be"
                    + " given the new one");
        } else if (remembered == 0) {
            port = freePort();
        }
        Started started = start(stateDirectory, port);
        if (port != remembered) {
            AtomicFiles.writePrivately(portFile, port + "\n");
        }
        return started;
    }

    /** As {@link #start(Path, Consumer)}, listening on {@code port}, which is not remembered. */
    static Started start(Path stateDirectory, int port) {
        OwnerOnly.directory(stateDirectory);
        Path dataDirectory = stateDirectory.resolve("postgres");
        Path passwordFile = stateDirectory.resolve(PASSWORD_FILE);
        boolean initialised = Files.isRegularFile(dataDirectory.resolve("postgresql.conf"));
        // An older Slipway initialised it with trust logins and kept no password: start it as it is, then lock it.
        boolean trustUntilLocked = initialised && !Files.isRegularFile(passwordFile);
        String password = Files.isRegularFile(passwordFile) ? password(stateDirectory) : newPassword(passwordFile);
        Path log = OwnerOnly.file(stateDirectory.resolve("postgres.log"));
        try {
            OwnerOnly.directory(dataDirectory);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setPGStartupWait(Duration.ofSeconds(30))
                    // initdb (first start only): password logins from the start, the password read from the file
                    .setLocaleConfig("auth-host", "scram-sha-256")
                    .setLocaleConfig("auth-local", "scram-sha-256")
                    .setLocaleConfig("pwfile", passwordFile.toString())
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    .setConnectConfig("password", password)
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.setDataDirectoryCustomizer(directory -> {
                // after initdb and the library's lock, before the server starts
                OwnerOnly.file(directory.toPath().resolve("epg-lock")); // the library made its (empty) lock file 0644
                if (!trustUntilLocked) {
                    writeHba(directory.toPath());
                }
            });
            EmbeddedPostgres postgres = builder.start();
            if (trustUntilLocked) {
                lock(postgres, dataDirectory, password);
            }
            return new Started(postgres, password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dataDirectory + ": "
                    + e.getMessage(), e);
        }
    }

    /** The superuser's password of the embedded server of {@code stateDirectory}, as its first start kept it. */
    static String password(Path stateDirectory) {
        Path file = stateDirectory.resolve(PASSWORD_FILE);
        try {
            String password = Files.readString(file).strip();
            if (password.isEmpty()) {
                throw new IllegalStateException(file + " is empty; it must hold the password of the embedded server's"
                        + " superuser '" + SUPERUSER + "'");
            }
            return password;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalStateException("the embedded PostgreSQL under " + stateDirectory + " needs its password"
                    + " file " + file + ", which is missing", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static int rememberedPort(Path portFile) {
        try {
            return Files.isRegularFile(portFile) ? Integer.parseInt(Files.readString(portFile).strip()) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0; // unreadable: a new port, written over it
        }
    }

    /** Whether a server of {@code dataDirectory} that outlived an earlier controller listens on {@code port}. */
    private static boolean ownServerListens(Path dataDirectory, int port) {
        return Database.runningServerPort(dataDirectory).filter(running -> running == port).isPresent();
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port for the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** The server this process started, and the superuser's password. */
    record Started(EmbeddedPostgres postgres, String password) {
    }

    private static String newPassword(Path passwordFile) {
        String password = Tokens.newToken(); // 32 random bytes, base64url
        AtomicFiles.writePrivately(passwordFile, password + "\n");
        return password;
    }

    private static void writeHba(Path dataDirectory) {
        AtomicFiles.writePrivately(dataDirectory.resolve("pg_hba.conf"), HBA);
    }

    /** Sets the superuser's password on a server that still lets anyone in, then turns password logins on. */
    private static void lock(EmbeddedPostgres postgres, Path dataDirectory, String password) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl("jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres");
        dataSource.setUser(SUPERUSER);
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("SET password_encryption = 'scram-sha-256'");
            // the password is base64url (letters, digits, '-', '_'): nothing to escape in a literal
            statement.execute("ALTER ROLE " + SUPERUSER + " PASSWORD '" + password + "'");
            writeHba(dataDirectory);
            try (ResultSet reloaded = statement.executeQuery("SELECT pg_reload_conf()")) {
                reloaded.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set the password of the embedded PostgreSQL in " + dataDirectory
                    + ": " + e.getMessage(), e);
        }
    }
}
