package dev.slipway.cli;

import dev.slipway.model.support.AtomicFiles;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The PostgreSQL server Slipway works with: the embedded one (data kept under {@code .slipway/postgres} and
 * reused across runs, durable and password-protected: see {@link EmbeddedServer}) or any server named by a
 * {@code jdbc:postgresql://} URL.
 */
public final class Database implements AutoCloseable {
    /** In the state directory: the database of the embedded server that {@code up} uses for its service. */
    static final String EMBEDDED_DATABASE_FILE = "postgres.database";
    /** The embedded server this process started and stops; null for a server someone else runs. */
    private final SupervisedEmbeddedServer embedded;
    private final boolean embeddedServer;
    private final String serverUrl;
    private final String user;
    private final String password;
    private final String databaseName;

    private Database(SupervisedEmbeddedServer embedded, boolean embeddedServer, String serverUrl, String user,
                     String password, String databaseName) {
        this.embedded = embedded;
        this.embeddedServer = embeddedServer;
        this.serverUrl = serverUrl;
        this.user = user;
        this.password = password;
        this.databaseName = databaseName;
    }

    /** {@code embedded} (or null) starts the embedded server; anything else must be a jdbc:postgresql:// URL. */
    public static Database open(String url, Path stateDirectory) {
        return open(url, stateDirectory, PasswordSource.commandLine(null));
    }

    /** As {@link #open(String, Path)}; the password of a URL's server comes from {@code passwords}. */
    public static Database open(String url, Path stateDirectory, PasswordSource passwords) {
        if (url == null || url.equals("embedded")) {
            return embedded(stateDirectory);
        }
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException("--db: '" + url + "' is neither 'embedded' nor a jdbc:postgresql:// URL");
        }
        URI uri = URI.create(url.substring("jdbc:".length()));
        Map<String, String> query = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    query.put(pair.substring(0, equals), java.net.URLDecoder.decode(pair.substring(equals + 1),
                            java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
        String path = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        String server = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
        String user = query.getOrDefault("user", System.getenv().getOrDefault("PGUSER", "postgres"));
        String password = passwords.password(query, System.getenv());
        return new Database(null, false, server, user, password, path);
    }

    /** The embedded server of {@code stateDirectory} on the port it had before (see {@link EmbeddedServer#PORT_FILE}). */
    private static Database embedded(Path stateDirectory) {
        return embedded(stateDirectory, note -> System.err.println("note: " + note));
    }

    /** As {@link #embedded(Path)}; a note on a changed port goes to {@code notes}. */
    static Database embedded(Path stateDirectory, Consumer<String> notes) {
        return embedded(SupervisedEmbeddedServer.start(stateDirectory, notes));
    }

    /** The embedded server of {@code stateDirectory} on {@code port} exactly: a restart keeps its clients' URLs. */
    static Database embedded(Path stateDirectory, int port) {
        return embedded(SupervisedEmbeddedServer.startOn(stateDirectory, port));
    }

    private static Database embedded(SupervisedEmbeddedServer server) {
        return new Database(server, true, "jdbc:postgresql://127.0.0.1:" + server.port(), EmbeddedServer.SUPERUSER,
                server.password(), "postgres");
    }

    /**
     * When this process started the embedded server: from now on it is started again whenever it dies, and
     * {@code events} hears of each death and start. Does nothing for a server someone else runs.
     */
    public void superviseEmbeddedServer(Consumer<String> events) {
        if (embedded != null) {
            embedded.watch(events);
        }
    }

    /**
     * Like {@link #open}, but when the embedded server of {@code stateDirectory} already runs (under
     * {@code slipway up}), connects to it instead of failing on its lock, with the password its first start kept in
     * the state directory; the schema commands use this, so that {@code slipway schema status} works while a
     * controller runs. The embedded database is the one {@code up} recorded for the state directory
     * ({@link #rememberEmbeddedDatabase}), or {@code postgres}.
     */
    public static Database openShared(String url, Path stateDirectory, PasswordSource passwords) {
        if (url != null && !url.equals("embedded")) {
            return open(url, stateDirectory, passwords);
        }
        Path dataDirectory = stateDirectory.resolve("postgres");
        String databaseName = embeddedDatabase(stateDirectory);
        Optional<Integer> runningPort = runningServerPort(dataDirectory);
        if (runningPort.isPresent()) {
            return new Database(null, true, "jdbc:postgresql://127.0.0.1:" + runningPort.get(), EmbeddedServer.SUPERUSER,
                    EmbeddedServer.password(stateDirectory), databaseName);
        }
        Database started = embedded(stateDirectory);
        return new Database(started.embedded, true, started.serverUrl, started.user, started.password, databaseName);
    }

    /** Records which database of the embedded server holds the service, for the schema commands. */
    static void rememberEmbeddedDatabase(Path stateDirectory, String database) {
        AtomicFiles.writePrivately(stateDirectory.resolve(EMBEDDED_DATABASE_FILE), database + "\n");
    }

    private static String embeddedDatabase(Path stateDirectory) {
        Path file = stateDirectory.resolve(EMBEDDED_DATABASE_FILE);
        try {
            return Files.isRegularFile(file) ? Files.readString(file).strip() : "postgres";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The port of a live server on {@code dataDirectory}, from its postmaster.pid (pid on line 1, port on line 4). */
    static Optional<Integer> runningServerPort(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return alive ? Optional.of(Integer.parseInt(lines.get(3).strip())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // unreadable or half-written: start (and let the server's own lock decide)
        }
    }

    public boolean isEmbedded() {
        return embeddedServer;
    }

    /** The JDBC URL of a database on this server, without credentials. */
    public String jdbcUrl(String database) {
        return serverUrl + "/" + database;
    }

    /** The database named in the URL (or {@code postgres}). */
    public String databaseName() {
        return databaseName;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public DataSource dataSource(String database) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(jdbcUrl(database));
        dataSource.setUser(user);
        dataSource.setPassword(password);
        dataSource.setApplicationName("slipway");
        return dataSource;
    }

    /** Drops and creates a database; for the demo, which always starts from nothing. */
    public void recreateDatabase(String database) {
        try (Connection connection = dataSource(databaseName).getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            statement.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + " on " + serverUrl + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }
}
