package dev.slipway.schema;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The embeddable entry point (in the spirit of Flyway's {@code Flyway.configure()}):
 * <pre>
 * SchemaMigrations migrations = Slipway.schema(dataSource)
 *         .schemaName("public")
 *         .migrations(Path.of("migrations"))
 *         .lockTimeout(Duration.ofMillis(500))
 *         .load();
 * migrations.start();      // expands the next pending migration file
 * migrations.complete();   // contracts it
 * </pre>
 */
public final class Slipway {
    private Slipway() {
    }

    /** Starts configuring the schema engine over {@code dataSource}. */
    public static Builder schema(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
    }

    /** Configuration of a {@link SchemaMigrations}; every setting has a default except the migrations directory. */
    public static final class Builder {
        private final DataSource dataSource;
        private String schemaName = "public";
        private Path migrations;
        private SchemaOptions options = SchemaOptions.defaults();
        private BackfillListener listener = BackfillListener.NONE;

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /** The base schema holding the tables (default {@code public}); versions are {@code <name>_v<N>}. */
        public Builder schemaName(String value) { schemaName = Objects.requireNonNull(value); return this; }

        /** The directory of migration files ({@code 001_initial.yaml}, ...). */
        public Builder migrations(Path directory) { migrations = Objects.requireNonNull(directory); return this; }

        /** How long one DDL statement waits for its lock before it is retried (default 500 ms). */
        public Builder lockTimeout(Duration value) { options = options.withLockTimeout(value); return this; }

        /** The total time spent retrying DDL that did not get its lock (default 30 s). */
        public Builder lockRetryBudget(Duration value) { options = options.withLockRetryBudget(value); return this; }

        /** Rows per backfill transaction (default 10 000). */
        public Builder backfillBatchSize(int value) { options = options.withBackfillBatchSize(value); return this; }

        /** Pause between backfill batches (default none). */
        public Builder backfillDelay(Duration value) { options = options.withBackfillDelay(value); return this; }

        /** Backfill throughput cap in rows per second (default 0, unlimited). */
        public Builder maxRowsPerSecond(long value) { options = options.withMaxRowsPerSecond(value); return this; }

        /** Who is recorded as having applied migrations (default the OS user). */
        public Builder actor(String value) { options = options.withActor(value); return this; }

        /** Receives backfill progress during start and resume. */
        public Builder backfillListener(BackfillListener value) { listener = Objects.requireNonNull(value); return this; }

        /** Creates the {@code slipway} catalog if needed and returns the handle. */
        public SchemaMigrations load() {
            if (migrations == null) {
                throw new MigrationException("no migrations directory configured: call migrations(Path) before load()");
            }
            SchemaEngine engine = new SchemaEngine(dataSource, schemaName, options);
            engine.init();
            return new SchemaMigrations(engine, migrations, listener);
        }
    }
}
