package dev.slipway.schema.proof;

import dev.slipway.schema.BackfillListener;
import dev.slipway.schema.PostgresTestBase;
import dev.slipway.schema.SchemaOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Proof of a gap: binary 2 writes while the backfill has not reached a row yet. The new-version views exist from
 * the moment the triggers are installed (before the backfill), so binary 2 can already update rows whose new
 * columns are still NULL. An UPDATE from binary 2 that does not set every column an {@code up} rule fills runs the
 * trigger's DOWN branch with those NULLs ({@code full_name := first_name || ' ' || last_name} = NULL), and the
 * backfill later skips the row because its xmin is newer than the trigger transaction.
 * <p>
 * The backfill is stopped after its first batch (a listener that throws, as after a crash) so that "not reached
 * yet" is deterministic; a running backfill has the same window for every row ahead of its position.
 * <p>
 * Today both tests fail: the UPDATE is refused with {@code null value in column "full_name" ... violates not-null
 * constraint} (with a nullable old column it would silently store NULL and lose the old value instead). Fixes:
 * (A) create the version schema after the backfill, in the transaction that sets the phase to expanded (the
 * state only contains the new version from then on anyway, so no binary 2 is allowed to run earlier); or (B) in the
 * trigger's new-version branch, on UPDATE, first compute every {@code up} column the statement left unchanged from
 * the old row when that row predates the trigger, then apply {@code down}. Either fix makes these tests pass.
 */
class PartialUpdateDuringBackfillTest extends PostgresTestBase {

    @Override
    protected SchemaOptions options() {
        return SchemaOptions.defaults().withBackfillBatchSize(1_000).withActor("proof");
    }

    @BeforeEach
    void expandedUpToTheFirstBatch() {
        engine.start(ConcurrentSplitTest.initial(), BackfillListener.NONE);
        engine.complete();
        execute(version(1), "INSERT INTO customers (full_name, email) SELECT 'First' || i || ' Last' || i,"
                + " 'c' || i || '@example.com' FROM generate_series(1, 5000) i");
        assertThatThrownBy(() -> engine.start(ConcurrentSplitTest.splitName(), progress -> {
            throw new IllegalStateException("stop after the first batch");
        })).hasMessageContaining("run resume to continue");
        assertThat(single(dataSource, "SELECT count(*) FROM customers WHERE first_name IS NULL")).isEqualTo("4000");
    }

    /**
     * Binary 2 writes now, while the backfill has not reached the row, then the backfill finishes. Should the
     * engine stop exposing {@code public_v2} before the backfill is done (one of the two fixes proposed), binary 2
     * cannot write yet (42P01): then it writes once the migration is expanded, and the result must be the same.
     */
    private void writeAsBinaryTwo(String sql) {
        boolean written;
        try {
            execute(version(2), sql);
            written = true;
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof java.sql.SQLException cause) || !"42P01".equals(cause.getSQLState())) throw e;
            written = false;
        }
        engine.resume(BackfillListener.NONE);
        if (!written) execute(version(2), sql);
    }

    @Test
    void binaryTwoChangesOnlyTheLastNameOfARowTheBackfillHasNotReached() {
        // A user of the new version corrects their last name: an everyday partial update.
        writeAsBinaryTwo("UPDATE customers SET last_name = 'Hopper' WHERE id = 4000");

        assertThat(query(version(2), "SELECT first_name, last_name FROM customers WHERE id = 4000"))
                .containsExactly(List.of("First4000", "Hopper"));
        assertThat(single(version(1), "SELECT full_name FROM customers WHERE id = 4000")).isEqualTo("First4000 Hopper");
    }

    @Test
    void binaryTwoUpdatesAnotherColumnOfARowTheBackfillHasNotReached() {
        writeAsBinaryTwo("UPDATE customers SET email = 'new@example.com' WHERE id = 4001");

        assertThat(query(version(2), "SELECT first_name, last_name, email FROM customers WHERE id = 4001"))
                .containsExactly(List.of("First4001", "Last4001", "new@example.com"));
        assertThat(single(version(1), "SELECT full_name FROM customers WHERE id = 4001")).isEqualTo("First4001 Last4001");
    }
}
