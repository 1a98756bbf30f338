package dev.slipway.analysis.provider;

import dev.slipway.analysis.run.Measurer;
import dev.slipway.analysis.run.Observation;
import dev.slipway.model.AnalysisArgs;
import dev.slipway.model.ProviderSpec;
import dev.slipway.model.ProviderSpec.DatabaseMeasure;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A database gate: what one revision does to PostgreSQL, read from the statistics views for the sessions whose
 * {@code application_name} is {@code <service>/<revision>} (every replica Slipway starts connects so).
 *
 * <p>Session measures (lock waits, blocked sessions, transactions, connections) look at {@code pg_stat_activity}
 * and {@code pg_locks} every {@code sampleEvery} for {@code window}; a lock wait is followed from sample to sample
 * by its session and start, so each wait counts once with the longest duration seen. If no session of the
 * revision was seen, that is no data (the application name is missing, or the release does not use the
 * database): inconclusive, never a pass. Counter measures read {@code pg_stat_database} (which counts per
 * database, not per session) and report the rate since the previous measurement.
 *
 * <p>Needs a database user that may read other sessions' activity (a superuser or a member of {@code pg_monitor}).
 */
public final class DatabaseMeasurer implements Measurer {
    private static final String SELF = "slipway/analysis";

    private final ConnectionSource database;
    private final ProviderSpec.Database spec;
    private final String applicationName;
    private final Clock clock;
    private Counters previous;

    public DatabaseMeasurer(ConnectionSource database, ProviderSpec.Database spec, String service, String revision,
                            Clock clock) {
        this.database = database;
        this.spec = spec;
        this.applicationName = AnalysisArgs.applicationName(service, revision);
        this.clock = clock;
        if (!spec.measure().sampled() && spec.measure() != DatabaseMeasure.REPLICATION_LAG
                && spec.measure() != DatabaseMeasure.BACKFILL_PROGRESS) {
            try (Connection connection = open()) {
                previous = counters(connection);
            } catch (SQLException e) {
                previous = null; // the first measurement reports it
            }
        }
    }

    @Override
    public Observation measure() throws SQLException, InterruptedException {
        try (Connection connection = open()) {
            return switch (spec.measure()) {
                case LOCK_WAIT, LOCK_WAIT_CAUSED, BLOCKED_SESSIONS, LONGEST_TRANSACTION, CONNECTIONS -> sample(connection);
                case DEADLOCKS, STATEMENT_ERRORS, BACKFILL_RATE -> rate(connection);
                case REPLICATION_LAG -> replicationLag(connection);
                case BACKFILL_PROGRESS -> backfillProgress(connection);
            };
        }
    }

    private Connection open() throws SQLException {
        Connection connection = database.open();
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET application_name = '" + SELF + "'");
        }
        return connection;
    }

    // ------------------------------------------------------------------ sampled session measures

    private Observation sample(Connection connection) throws SQLException, InterruptedException {
        boolean waitStart = connection.getMetaData().getDatabaseMajorVersion() >= 14;
        String since = waitStart ? "coalesce(l.waitstart, w.query_start)" : "w.query_start";
        String waitsQuery = switch (spec.measure()) {
            case LOCK_WAIT -> "SELECT w.pid, " + since + "::text, EXTRACT(EPOCH FROM clock_timestamp() - " + since
                    + ") * 1000 FROM pg_locks l JOIN pg_stat_activity w ON w.pid = l.pid"
                    + " WHERE NOT l.granted AND w.application_name = ?";
            default -> "SELECT DISTINCT ON (w.pid) w.pid, " + since + "::text, EXTRACT(EPOCH FROM clock_timestamp() - "
                    + since + ") * 1000 FROM pg_locks l JOIN pg_stat_activity w ON w.pid = l.pid WHERE NOT l.granted"
                    + " AND EXISTS (SELECT 1 FROM pg_stat_activity h WHERE h.application_name = ?"
                    + " AND h.pid = ANY (pg_blocking_pids(w.pid)))";
        };
        String sessionsQuery = "SELECT count(*), coalesce(max(EXTRACT(EPOCH FROM clock_timestamp() - xact_start)), 0)"
                + " FROM pg_stat_activity WHERE application_name = ?";
        boolean waits = spec.measure() == DatabaseMeasure.LOCK_WAIT || spec.measure() == DatabaseMeasure.LOCK_WAIT_CAUSED
                || spec.measure() == DatabaseMeasure.BLOCKED_SESSIONS;
        Map<String, Double> waitMillis = new HashMap<>();
        int samples = 0;
        long mostSessions = 0;
        int mostBlocked = 0;
        double longestTransaction = 0;
        Instant end = clock.instant().plus(spec.window());
        try (PreparedStatement sessions = connection.prepareStatement(sessionsQuery);
             PreparedStatement waiting = connection.prepareStatement(waitsQuery)) {
            sessions.setString(1, applicationName);
            waiting.setString(1, applicationName);
            while (true) {
                Instant sampledAt = clock.instant();
                Instant next = sampledAt.plus(spec.sampleEvery());
                samples++;
                try (ResultSet row = sessions.executeQuery()) {
                    row.next();
                    mostSessions = Math.max(mostSessions, row.getLong(1));
                    longestTransaction = Math.max(longestTransaction, row.getDouble(2));
                }
                if (waits) {
                    int blocked = 0;
                    try (ResultSet rows = waiting.executeQuery()) {
                        while (rows.next()) {
                            blocked++;
                            waitMillis.merge(rows.getInt(1) + "@" + rows.getString(2), rows.getDouble(3), Math::max);
                        }
                    }
                    mostBlocked = Math.max(mostBlocked, blocked);
                }
                // The last sample is one that began at or after the end of the window, so a wait that lasts all of
                // it is seen whole (a sample that began just before the end, however long it took, is not the last).
                if (!sampledAt.isBefore(end)) {
                    break;
                }
                Instant now = clock.instant();
                Thread.sleep(Math.max(1, Duration.between(now, next.isBefore(end) ? next : end).toMillis()));
            }
        }
        if (mostSessions == 0) {
            return Observation.noData("no session with application_name '" + applicationName + "' in " + samples
                    + " samples (does every replica connect with it?)");
        }
        String seen = samples + " samples, up to " + mostSessions + " sessions of " + applicationName;
        return switch (spec.measure()) {
            case CONNECTIONS -> number(mostSessions, seen);
            case LONGEST_TRANSACTION -> number(longestTransaction, seen);
            case BLOCKED_SESSIONS -> number(mostBlocked, seen + ", " + waitMillis.size() + " lock waits");
            default -> {
                List<Double> durations = new ArrayList<>(waitMillis.values());
                yield number(quantile(durations, spec.quantile()), seen + ", " + durations.size() + " lock waits"
                        + (durations.isEmpty() ? "" : ", longest " + PrometheusMeasurer.format(
                        durations.stream().mapToDouble(Double::doubleValue).max().orElse(0)) + " ms"));
            }
        };
    }

    /** Nearest-rank quantile; no waits at all is 0 ms. */
    static double quantile(List<Double> values, double quantile) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(quantile * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    // ------------------------------------------------------------------ counters and gauges

    /** Cumulative counters at one moment: deadlocks and rollbacks of the database, rows the backfill moved. */
    private record Counters(Instant at, long deadlocks, long rollbacks, Optional<Long> backfilled) {
    }

    private Counters counters(Connection connection) throws SQLException {
        long deadlocks;
        long rollbacks;
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(
                     "SELECT deadlocks, xact_rollback FROM pg_stat_database WHERE datname = current_database()")) {
            row.next();
            deadlocks = row.getLong(1);
            rollbacks = row.getLong(2);
        }
        Optional<Long> backfilled = backfill(connection).map(progress -> progress[0]);
        return new Counters(clock.instant(), deadlocks, rollbacks, backfilled);
    }

    private Observation rate(Connection connection) throws SQLException {
        Counters now = counters(connection);
        Counters before = previous;
        previous = now;
        if (before == null) {
            throw new SQLException("the database statistics could not be read when the window began; it begins now");
        }
        double seconds = Math.max(0.001, Duration.between(before.at(), now.at()).toMillis() / 1000.0);
        return switch (spec.measure()) {
            case DEADLOCKS -> number((now.deadlocks() - before.deadlocks()) * 60 / seconds,
                    (now.deadlocks() - before.deadlocks()) + " deadlocks in the database in " + format(seconds) + " s");
            case STATEMENT_ERRORS -> number((now.rollbacks() - before.rollbacks()) / seconds,
                    (now.rollbacks() - before.rollbacks()) + " rolled back transactions in the database in "
                            + format(seconds) + " s");
            default -> {
                if (now.backfilled().isEmpty() || before.backfilled().isEmpty()) {
                    yield Observation.noData("no backfill in flight");
                }
                long rows = now.backfilled().get() - before.backfilled().get();
                yield number(rows / seconds, rows + " rows backfilled in " + format(seconds) + " s");
            }
        };
    }

    private Observation replicationLag(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("""
                     SELECT CASE WHEN pg_is_in_recovery()
                                 THEN EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
                                 ELSE (SELECT max(EXTRACT(EPOCH FROM coalesce(replay_lag, interval '0')))
                                         FROM pg_stat_replication) END,
                            pg_is_in_recovery(),
                            (SELECT count(*) FROM pg_stat_replication)""")) {
            row.next();
            double lag = row.getDouble(1);
            if (row.wasNull()) {
                return Observation.noData(row.getBoolean(2) ? "this standby has replayed nothing yet"
                        : "no replica is connected to this primary");
            }
            return number(lag, row.getBoolean(2) ? "standby replay lag"
                    : "the most lagging of " + row.getLong(3) + " replicas");
        }
    }

    private Observation backfillProgress(Connection connection) throws SQLException {
        Optional<long[]> progress = backfill(connection);
        if (progress.isEmpty()) {
            return Observation.noData("no backfill in flight");
        }
        long done = progress.get()[0];
        long total = progress.get()[1];
        if (total < 0) {
            return Observation.noData("the backfill is still counting its rows");
        }
        double share = total == 0 ? 1.0 : Math.min(1.0, (double) done / total);
        return number(share, done + " of " + total + " rows backfilled");
    }

    /** Rows done and total of the backfills of the migration in flight, or empty when none is in flight. */
    private static Optional<long[]> backfill(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("""
                     SELECT count(*), coalesce(sum(b.done), 0), coalesce(sum(coalesce(b.total, b.done)), 0),
                            coalesce(bool_or(b.total IS NULL AND NOT b.finished), false)
                       FROM slipway.backfills b JOIN slipway.migrations m ON m.id = b.migration_id
                      WHERE m.state = 'started'""")) {
            row.next();
            // total is unknown (-1) until the backfill has counted the rows it will walk
            return row.getLong(1) == 0 ? Optional.empty()
                    : Optional.of(new long[] {row.getLong(2), row.getBoolean(4) ? -1 : row.getLong(3)});
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) {
                return Optional.empty(); // no slipway catalog: nothing was ever migrated here
            }
            throw e;
        }
    }

    private static Observation number(double value, String details) {
        return new Observation(value, PrometheusMeasurer.format(value), Optional.empty(), details);
    }

    private static String format(double value) {
        return PrometheusMeasurer.format(Math.round(value * 10) / 10.0);
    }
}
