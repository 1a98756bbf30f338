package dev.slipway.schema;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The baseline command: adopts a database Slipway has never migrated. Records {@code version} as completed
 * (checksum {@code baseline}, no file) and creates {@code <schema>_v<version>} with one view per live table, so
 * binaries of that version can connect and the next migration starts from there.
 */
final class Baseline {
    private static final Logger log = LoggerFactory.getLogger(Baseline.class);

    private final String schema;
    private final SchemaOptions options;
    private final SchemaHistory history;
    private final Connection connection;
    private final DdlExecutor executor;

    Baseline(EngineSession session) {
        this.schema = session.schema();
        this.options = session.options();
        this.history = session.history();
        this.connection = session.connection();
        this.executor = session.executor();
    }

    void run(int version, String description) throws SQLException {
        List<SchemaHistory.AppliedRow> applied = history.appliedRows(connection);
        if (!applied.isEmpty()) {
            throw new MigrationException("refused: schema " + schema + " already has migration history (version "
                    + applied.get(applied.size() - 1).version() + "); baseline only adopts a database Slipway has"
                    + " never migrated");
        }
        String versionSchema = Expand.versionSchema(schema, version);
        try (PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            statement.setString(1, versionSchema);
            try (ResultSet rows = statement.executeQuery()) {
                if (rows.next()) {
                    throw new MigrationException("refused: schema " + versionSchema + " already exists; drop it or"
                            + " choose another baseline version");
                }
            }
        }
        VersionRoles roles = VersionRoles.of(connection, schema);
        executor.transaction("creating " + versionSchema, transaction -> {
            transaction.execute(VersionViews.createFromCatalog(schema, versionSchema));
            for (String sql : roles.create(version, List.of(versionSchema), versionSchema)) transaction.execute(sql);
            transaction.bookkeeping(c -> {
                history.recordBaseline(c, version, description, options.actor());
                roles.rememberPassword(c, version);
                return null;
            }, null);
        });
        log.info("schema {} baselined at version {}", schema, version);
    }
}
