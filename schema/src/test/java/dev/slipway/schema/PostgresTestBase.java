package dev.slipway.schema;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** One embedded PostgreSQL per test class, a fresh database per test, and small helpers to talk to it. */
public abstract class PostgresTestBase {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    protected static EmbeddedPostgres postgres;

    protected DataSource dataSource;
    protected String database;
    protected SchemaEngine engine;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    @BeforeEach
    void freshDatabase() throws SQLException {
        database = "test_" + DATABASES.incrementAndGet();
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        }
        dataSource = dataSource(null);
        engine = new SchemaEngine(dataSource, "public", options());
        engine.init();
    }

    protected SchemaOptions options() {
        return SchemaOptions.defaults().withBackfillBatchSize(1000).withActor("test");
    }

    /** A data source like binary N's: {@code currentSchema=public_vN}; null for the plain base schema. */
    protected DataSource dataSource(String currentSchema) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setServerNames(new String[] {"127.0.0.1"});
        source.setPortNumbers(new int[] {postgres.getPort()});
        source.setDatabaseName(database);
        source.setUser("postgres");
        if (currentSchema != null) {
            source.setCurrentSchema(currentSchema);
        }
        return source;
    }

    protected DataSource version(int version) {
        return dataSource(engine.versionSchema(version));
    }

    protected static Migration migration(String fileName, String yaml) {
        return MigrationFile.parse(fileName, yaml.getBytes(StandardCharsets.UTF_8));
    }

    protected static void execute(DataSource source, String... statements) {
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The rows of a query, each as a list of strings (null stays null). */
    protected static List<List<String>> query(DataSource source, String sql) {
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            List<List<String>> result = new ArrayList<>();
            int width = rows.getMetaData().getColumnCount();
            while (rows.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= width; i++) row.add(rows.getString(i));
                result.add(row);
            }
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    protected static String single(DataSource source, String sql) {
        List<List<String>> rows = query(source, sql);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    /** Completes the migration in flight; the statements complete ran, to run them again as after a crash. */
    protected List<String> completeRecordingStatements() {
        List<String> statements = new ArrayList<>();
        engine.onStatement(statements::add);
        try {
            engine.complete();
        } finally {
            engine.onStatement(statement -> { });
        }
        return statements;
    }

    /** The columns of a view or table, in order. */
    protected List<String> columns(String schema, String relation) {
        return query(dataSource, "SELECT attname FROM pg_attribute WHERE attrelid = '\"" + schema + "\".\"" + relation
                + "\"'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum").stream().map(row -> row.get(0)).toList();
    }

    protected boolean schemaExists(String schema) {
        return "1".equals(single(dataSource, "SELECT 1 FROM pg_namespace WHERE nspname = '" + schema + "'"));
    }

    /** Tables, columns, views and triggers of the database, to show that something changed nothing. */
    protected List<List<String>> catalogFingerprint() {
        return query(dataSource, """
                SELECT n.nspname, c.relname, c.relkind::text, a.attname, format_type(a.atttypid, a.atttypmod)
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'slipway')
                UNION ALL SELECT 'trigger', tgname, '', '', '' FROM pg_trigger WHERE NOT tgisinternal
                 ORDER BY 1, 2, 3, 4""");
    }
}
