package dev.slipway.controller.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The store in PostgreSQL: tables in the {@code slipway} schema of the service's database. */
public final class JdbcStore implements Store {
    private final DataSource dataSource;

    public JdbcStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public void init() {
        execute("""
                CREATE SCHEMA IF NOT EXISTS slipway;
                CREATE TABLE IF NOT EXISTS slipway.rollouts (
                    id bigserial PRIMARY KEY,
                    service text NOT NULL,
                    from_version text,
                    to_version text NOT NULL,
                    phase text NOT NULL,
                    step_index int NOT NULL,
                    canary_weight int NOT NULL,
                    message text NOT NULL DEFAULT '',
                    started_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL);
                CREATE INDEX IF NOT EXISTS rollouts_service ON slipway.rollouts (service, id);
                CREATE TABLE IF NOT EXISTS slipway.releases (
                    service text NOT NULL,
                    version text NOT NULL,
                    release_yaml text NOT NULL,
                    saved_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (service, version));
                CREATE TABLE IF NOT EXISTS slipway.analyses (
                    rollout_id bigint NOT NULL REFERENCES slipway.rollouts (id) ON DELETE CASCADE,
                    name text NOT NULL,
                    status text NOT NULL,
                    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    PRIMARY KEY (rollout_id, name));
                CREATE TABLE IF NOT EXISTS slipway.audit (
                    id bigserial PRIMARY KEY,
                    at timestamptz NOT NULL,
                    service text NOT NULL,
                    actor text NOT NULL,
                    action text NOT NULL,
                    outcome text NOT NULL,
                    detail text NOT NULL DEFAULT '');
                """);
    }

    @Override
    public void saveAnalysis(long rolloutId, String name, String statusJson) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement upsert = connection.prepareStatement("""
                     INSERT INTO slipway.analyses (rollout_id, name, status) VALUES (?, ?, ?)
                     ON CONFLICT (rollout_id, name) DO UPDATE SET status = excluded.status, updated_at = clock_timestamp()""")) {
            upsert.setLong(1, rolloutId);
            upsert.setString(2, name);
            upsert.setString(3, statusJson);
            upsert.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot save analysis " + name + " of rollout " + rolloutId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public java.util.Map<String, String> analyses(long rolloutId) {
        java.util.Map<String, String> analyses = new java.util.LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(
                     "SELECT name, status FROM slipway.analyses WHERE rollout_id = ? ORDER BY started_at, name")) {
            select.setLong(1, rolloutId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    analyses.put(rows.getString(1), rows.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the analyses of rollout " + rolloutId + ": " + e.getMessage(), e);
        }
        return analyses;
    }

    @Override
    public RolloutRecord save(RolloutRecord rollout) {
        try (Connection connection = dataSource.getConnection()) {
            if (rollout.id() == 0) {
                try (PreparedStatement insert = connection.prepareStatement("""
                        INSERT INTO slipway.rollouts (service, from_version, to_version, phase, step_index,
                            canary_weight, message, started_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""")) {
                    bind(insert, rollout);
                    try (ResultSet keys = insert.executeQuery()) {
                        keys.next();
                        return rollout.withId(keys.getLong(1));
                    }
                }
            }
            try (PreparedStatement update = connection.prepareStatement("""
                    UPDATE slipway.rollouts SET service = ?, from_version = ?, to_version = ?, phase = ?,
                        step_index = ?, canary_weight = ?, message = ?, started_at = ?, updated_at = ?
                    WHERE id = ?""")) {
                bind(update, rollout);
                update.setLong(10, rollout.id());
                if (update.executeUpdate() != 1) {
                    throw new IllegalStateException("rollout " + rollout.id() + " is not in the store");
                }
                return rollout;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot save rollout of " + rollout.service() + ": " + e.getMessage(), e);
        }
    }

    private static void bind(PreparedStatement statement, RolloutRecord rollout) throws SQLException {
        statement.setString(1, rollout.service());
        statement.setString(2, rollout.fromVersion());
        statement.setString(3, rollout.toVersion());
        statement.setString(4, rollout.phase().name());
        statement.setInt(5, rollout.stepIndex());
        statement.setInt(6, rollout.canaryWeight());
        statement.setString(7, rollout.message());
        statement.setTimestamp(8, Timestamp.from(rollout.startedAt()));
        statement.setTimestamp(9, Timestamp.from(rollout.updatedAt()));
    }

    @Override
    public Optional<RolloutRecord> latestRollout(String service) {
        return queryOne("WHERE service = ?", service);
    }

    @Override
    public Optional<RolloutRecord> latestPromotion(String service, String version) {
        return queryOne("WHERE service = ? AND to_version = ? AND phase = 'PROMOTED'", service, version);
    }

    private Optional<RolloutRecord> queryOne(String where, String... parameters) {
        String service = parameters[0];
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement("""
                     SELECT id, service, from_version, to_version, phase, step_index, canary_weight, message,
                            started_at, updated_at
                     FROM slipway.rollouts""" + " " + where + " ORDER BY id DESC LIMIT 1")) {
            for (int i = 0; i < parameters.length; i++) {
                query.setString(i + 1, parameters[i]);
            }
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                return Optional.of(new RolloutRecord(row.getLong(1), row.getString(2), row.getString(3),
                        row.getString(4), RolloutPhase.valueOf(row.getString(5)), row.getInt(6), row.getInt(7),
                        row.getString(8), row.getTimestamp(9).toInstant(), row.getTimestamp(10).toInstant()));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read rollouts of " + service + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void saveRelease(String service, String version, String releaseYaml) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement upsert = connection.prepareStatement("""
                     INSERT INTO slipway.releases (service, version, release_yaml) VALUES (?, ?, ?)
                     ON CONFLICT (service, version) DO UPDATE SET release_yaml = excluded.release_yaml, saved_at = now()""")) {
            upsert.setString(1, service);
            upsert.setString(2, version);
            upsert.setString(3, releaseYaml);
            upsert.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot save release " + version + " of " + service + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> release(String service, String version) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(
                     "SELECT release_yaml FROM slipway.releases WHERE service = ? AND version = ?")) {
            query.setString(1, service);
            query.setString(2, version);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read release " + version + " of " + service + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void audit(AuditEntry entry) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO slipway.audit (at, service, actor, action, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)")) {
            insert.setTimestamp(1, Timestamp.from(entry.at()));
            insert.setString(2, entry.service());
            insert.setString(3, entry.actor());
            insert.setString(4, entry.action());
            insert.setString(5, entry.outcome());
            insert.setString(6, entry.detail());
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot write the audit history: " + e.getMessage(), e);
        }
    }

    @Override
    public List<AuditEntry> history(String service, int limit) {
        List<AuditEntry> entries = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement("""
                     SELECT at, service, actor, action, outcome, detail FROM slipway.audit
                     WHERE service = ? ORDER BY id DESC LIMIT ?""")) {
            query.setString(1, service);
            query.setInt(2, limit);
            try (ResultSet row = query.executeQuery()) {
                while (row.next()) {
                    entries.add(new AuditEntry(row.getTimestamp(1).toInstant(), row.getString(2), row.getString(3),
                            row.getString(4), row.getString(5), row.getString(6)));
                }
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the audit history: " + e.getMessage(), e);
        }
        return entries;
    }

    private void execute(String sql) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new StoreException("cannot prepare the store: " + e.getMessage(), e);
        }
    }
}
