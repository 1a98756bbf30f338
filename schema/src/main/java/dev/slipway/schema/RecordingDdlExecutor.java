package dev.slipway.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * The executor behind {@code plan}: writes down every statement start would run, in order, and runs nothing. A
 * backfill appears as a {@code --} comment line; bookkeeping (history rows) is left out.
 */
final class RecordingDdlExecutor implements DdlExecutor {
    private final List<String> statements = new ArrayList<>();

    List<String> statements() {
        return List.copyOf(statements);
    }

    @Override
    public void transaction(String what, TransactionBody body) throws java.sql.SQLException {
        body.run(new Transaction() {
            @Override
            public void execute(String sql) {
                statements.add(sql);
            }

            @Override
            public <T> T bookkeeping(Work<T> work, T planned) {
                return planned;
            }
        });
    }

    @Override
    public void concurrently(String statement, String cleanupOnFailure) {
        statements.add(statement);
    }

    @Override
    public <T> T bookkeeping(Work<T> work, T planned) {
        return planned;
    }

    @Override
    public long backfill(String description, Work<Long> work) {
        statements.add("-- " + description);
        return 0;
    }

    @Override
    public EngineLock lockEngine() {
        return () -> { };
    }
}
