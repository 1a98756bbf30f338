package dev.slipway.schema;

import dev.slipway.schema.op.Sql;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The login role of each schema version ({@code catalog/V3__version_roles.sql}): created with the version's view
 * schema, given only that schema (and the sequences its views' tables draw from), with that schema as its default
 * {@code search_path}, and dropped with it. A binary that logs in as the role of version N reads and writes N; the
 * sync triggers tell its version by that search path, and a pooler keys its pools by the role. Role names carry a
 * hash of the database and base schema, so several services and databases share one cluster. Passwords are
 * generated here and kept in {@code slipway.version_roles}.
 * <p>
 * The engine's user needs CREATEROLE (or to be a superuser) for this; without it the engine manages no roles and
 * binaries keep connecting as before.
 */
final class VersionRoles {
    private static final Logger log = LoggerFactory.getLogger(VersionRoles.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String schema;
    private final String database;
    private final boolean enabled;

    private VersionRoles(String schema, String database, boolean enabled) {
        this.schema = schema;
        this.database = database;
        this.enabled = enabled;
    }

    /** The roles of {@code schema} in the connection's database; disabled when the engine's user may not create roles. */
    static VersionRoles of(Connection connection, String schema) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT current_database(), r.rolsuper OR r.rolcreaterole"
                     + " FROM pg_roles r WHERE r.rolname = current_user")) {
            if (!rows.next()) return new VersionRoles(schema, "", false);
            boolean enabled = rows.getBoolean(2);
            if (!enabled) log.warn("the database user may not create roles: no versioned login roles for schema {}", schema);
            return new VersionRoles(schema, rows.getString(1), enabled);
        }
    }

    /** {@code slipway_public_v2_1a2b3c4d}: readable, at most 49 bytes, unique per database and base schema. */
    String roleName(int version) {
        String readable = schema.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (readable.length() > 20) readable = readable.substring(0, 20);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((database + "\0" + schema).getBytes(StandardCharsets.UTF_8));
            return "slipway_" + readable + "_v" + version + "_" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * The statements that give version {@code version} its role: created (or kept) with {@code searchPath} as its
     * default, and granted {@code viewSchema}, where the version's views are now (a pending name is fine: grants
     * follow the schema when it is renamed).
     */
    List<String> create(int version, List<String> searchPath, String viewSchema) {
        if (!enabled) return List.of();
        String path = searchPath.stream().map(Sql::literal).collect(Collectors.joining(", ", "ARRAY[", "]::text[]"));
        return List.of("SELECT slipway.ensure_version_role(" + Sql.literal(roleName(version)) + ", " + path + ")",
                grant(version, viewSchema));
    }

    /** Grants the role of {@code version} (if it has one) the views in {@code viewSchema}. */
    String grant(int version, String viewSchema) {
        return "SELECT slipway.grant_version_role(" + Sql.literal(schema) + ", " + Sql.literal(viewSchema) + ", "
                + Sql.literal(roleName(version)) + ")";
    }

    /** Drops the role of {@code version}, if there is one. */
    List<String> drop(int version) {
        if (!enabled) return List.of();
        return List.of("SELECT slipway.drop_version_role(" + Sql.literal(roleName(version)) + ")");
    }

    /**
     * Bookkeeping, in the transaction that created the role: a new random password, set through the driver (which
     * sends only a SCRAM verifier, never the password itself) and recorded. A role that has one keeps it.
     */
    void rememberPassword(Connection connection, int version) throws SQLException {
        if (!enabled || read(connection, version).isPresent()) return;
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        connection.unwrap(PGConnection.class).alterUserPassword(roleName(version), password.toCharArray(), "scram-sha-256");
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO slipway.version_roles"
                + " (schema_name, version, role_name, password) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, schema);
            insert.setInt(2, version);
            insert.setString(3, roleName(version));
            insert.setString(4, password);
            insert.executeUpdate();
        }
    }

    void forget(Connection connection, int version) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM slipway.version_roles WHERE schema_name = ? AND version = ?")) {
            delete.setString(1, schema);
            delete.setInt(2, version);
            delete.executeUpdate();
        }
    }

    Optional<DatabaseCredentials> read(Connection connection, int version) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT role_name, password FROM slipway.version_roles WHERE schema_name = ? AND version = ?")) {
            select.setString(1, schema);
            select.setInt(2, version);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) return Optional.empty();
                return Optional.of(new DatabaseCredentials(rows.getString(1), rows.getString(2),
                        Expand.versionSchema(schema, version)));
            }
        }
    }

    /**
     * The credentials of a readable version, creating its role first if it has none (a version expanded before
     * the catalog had roles). Serialised per schema by a transaction lock, so concurrent callers create it once.
     */
    Optional<DatabaseCredentials> ensure(Connection connection, int version) throws SQLException {
        Optional<DatabaseCredentials> existing = read(connection, version);
        if (existing.isPresent() || !enabled) return existing;
        String viewSchema = Expand.versionSchema(schema, version);
        return Transactions.run(connection, c -> {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "slipway:roles:" + schema);
                lock.execute();
            }
            Optional<DatabaseCredentials> raced = read(c, version);
            if (raced.isPresent()) return raced;
            try (Statement statement = c.createStatement()) {
                for (String sql : create(version, List.of(viewSchema), viewSchema)) statement.execute(sql);
            }
            rememberPassword(c, version);
            return read(c, version);
        });
    }
}
