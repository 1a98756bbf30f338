package dev.slipway.schema.op;

import java.util.List;

/**
 * What an operation may do to the database: run short DDL transactions and concurrent index builds. The engine
 * runs each under {@code lock_timeout} with bounded retries; {@code plan} records them instead of running them.
 */
public final class MigrationContext {
    /** Carries out the statements an operation asks for. */
    public interface StatementRunner {
        /** Runs the statements in one short transaction. */
        void inTransaction(List<String> statements);

        /** Runs one statement outside any transaction (CREATE/DROP INDEX CONCURRENTLY); on failure runs cleanup. */
        void concurrently(String statement, String cleanupOnFailure);
    }

    private final String schema;
    private final int version;
    private final StatementRunner runner;
    private final SchemaSnapshot layout;

    public MigrationContext(String schema, int version, StatementRunner runner) {
        this(schema, version, runner, null);
    }

    /** {@code layout}: the tables as the operation sees them, before it reshapes them (start and plan only). */
    public MigrationContext(String schema, int version, StatementRunner runner, SchemaSnapshot layout) {
        this.schema = schema;
        this.version = version;
        this.runner = runner;
        this.layout = layout;
    }

    /**
     * The tables as this operation sees them at start: the live layout reshaped by the operations before it.
     * Only start (and plan) have it; complete and rollback may run in a later process and must not need it.
     */
    public SchemaSnapshot layout() {
        if (layout == null) throw new IllegalStateException("the layout is only known at start");
        return layout;
    }

    /** The base schema holding the physical tables, e.g. {@code public}. */
    public String schema() { return schema; }

    /** The version the migration moves to. */
    public int version() { return version; }

    /** {@code "public"."customers"}. */
    public String table(String name) {
        return Sql.qualified(schema, name);
    }

    public void execute(String... statements) {
        runner.inTransaction(List.of(statements));
    }

    public void executeConcurrently(String statement, String cleanupOnFailure) {
        runner.concurrently(statement, cleanupOnFailure);
    }
}
