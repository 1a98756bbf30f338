package dev.slipway.cli;

import dev.slipway.controller.DatabaseTarget;
import dev.slipway.model.support.DaemonThreads;
import dev.slipway.model.support.OwnerOnly;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One controller per state directory and per service database, so that two {@code slipway up} never fight over the
 * same replicas, router and rollouts: the second refuses at once and names the first. The state directory is held by
 * a file lock on {@value #LOCK_FILE} (the operating system releases it when the process dies, even by SIGKILL); the
 * database by a PostgreSQL advisory lock on a session of its own (released when that session ends, so again by any
 * death of the process). A session lost to a database restart takes its lock again when the database is back.
 */
final class ControllerLocks {
    static final String LOCK_FILE = "up.lock";
    /** The advisory lock's two keys: "slip" and "ctrl" in ASCII, so it does not collide with an application's. */
    private static final int KEY_CLASS = 0x736c6970;
    private static final int KEY_OBJECT = 0x6374726c;
    private static final long RETAKE_SECONDS = 5;
    private static final Logger log = LoggerFactory.getLogger(ControllerLocks.class);

    private ControllerLocks() {
    }

    /** Who holds a lock, in words: this process's id, host and start time. */
    static String holder() {
        return "slipway up pid " + ProcessHandle.current().pid() + " on " + hostName();
    }

    /**
     * Takes the state directory for this process, or refuses with who holds it.
     *
     * @throws IllegalStateException naming the holder when another process (or this one) holds it
     */
    static AutoCloseable stateDirectory(Path state) {
        Path file = state.resolve(LOCK_FILE);
        FileChannel channel;
        try {
            OwnerOnly.file(file);
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot lock the state directory " + state + ": " + e.getMessage(), e);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                channel.close();
                throw new IllegalStateException("refused: the state directory " + state + " is in use by "
                        + (holder.isEmpty() ? "another slipway up" : holder) + ". Two controllers on one state"
                        + " directory would fight over its router and replicas: stop that one first, or give this"
                        + " one its own --state-dir.");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((holder() + ", since " + Instant.now() + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
            return channel::close; // closing the channel releases the lock
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IllegalStateException("cannot lock the state directory " + state + ": " + e.getMessage(), e);
        }
    }

    /**
     * Takes the service's database for this process on a session of its own, or refuses with who holds it.
     *
     * @throws IllegalStateException naming the holder's session when another session holds it
     */
    static AutoCloseable database(DatabaseTarget target, String databaseName) {
        DatabaseLock lock = new DatabaseLock(target, databaseName);
        lock.take();
        return lock;
    }

    /** The advisory lock and its session; a watch thread takes it again after the session is lost. */
    private static final class DatabaseLock implements AutoCloseable {
        private final DatabaseTarget target;
        private final String databaseName;
        private final ScheduledExecutorService watch =
                Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("slipway-database-lock"));
        private volatile Connection session;

        DatabaseLock(DatabaseTarget target, String databaseName) {
            this.target = target;
            this.databaseName = databaseName;
        }

        void take() {
            try {
                session = lockedSession();
            } catch (SQLException e) {
                throw new IllegalStateException("cannot lock the database " + databaseName + ": " + e.getMessage(), e);
            }
            watch.scheduleWithFixedDelay(this::retakeIfLost, RETAKE_SECONDS, RETAKE_SECONDS, TimeUnit.SECONDS);
        }

        private Connection lockedSession() throws SQLException {
            Properties properties = new Properties();
            properties.setProperty("user", target.user());
            if (target.password() != null) {
                properties.setProperty("password", target.password());
            }
            // what the refusal of a second controller shows (PostgreSQL keeps the first 63 bytes)
            properties.setProperty("ApplicationName", holder());
            Connection connection = DriverManager.getConnection(target.jdbcUrl(), properties);
            try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
                lock.setInt(1, KEY_CLASS);
                lock.setInt(2, KEY_OBJECT);
                try (ResultSet result = lock.executeQuery()) {
                    result.next();
                    if (result.getBoolean(1)) {
                        return connection;
                    }
                }
                String holder = holderOf(connection);
                connection.close();
                throw new IllegalStateException("refused: the database " + databaseName + " is in use by another"
                        + " controller (" + holder + "). Two controllers on one database would fight over its"
                        + " rollouts and schema: stop that one first, or give this service its own database.");
            } catch (SQLException | RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        private static String holderOf(Connection connection) throws SQLException {
            try (PreparedStatement query = connection.prepareStatement("""
                    SELECT a.application_name, a.client_addr, a.backend_start, a.pid
                    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = ? AND l.objid::bigint = ? AND l.objsubid = 2
                      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())""")) {
                query.setLong(1, Integer.toUnsignedLong(KEY_CLASS));
                query.setLong(2, Integer.toUnsignedLong(KEY_OBJECT));
                try (ResultSet row = query.executeQuery()) {
                    if (!row.next()) {
                        return "a session that just ended";
                    }
                    String name = row.getString(1);
                    return (name == null || name.isEmpty() ? "a session" : name) + ", connected"
                            + (row.getString(2) == null ? "" : " from " + row.getString(2)) + " since "
                            + row.getTimestamp(3).toInstant() + " as server process " + row.getInt(4);
                }
            }
        }

        private void retakeIfLost() {
            try {
                if (session.isValid(2)) {
                    return;
                }
                closeQuietly(session);
                session = lockedSession();
                log.info("took the controller lock of database {} again after its session was lost", databaseName);
            } catch (SQLException e) {
                log.warn("the controller lock of database {} is lost until the database answers again: {}",
                        databaseName, e.getMessage());
            } catch (IllegalStateException heldByAnother) {
                log.error("the controller lock of database {} was lost and another controller holds it now: {}",
                        databaseName, heldByAnother.getMessage());
            }
        }

        @Override
        public void close() {
            watch.shutdownNow();
            closeQuietly(session);
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception ignored) {
            // releasing: the operating system or the server frees it when the process ends anyway
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }
}
