package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.SchemaSnapshot;
import dev.slipway.schema.op.SyncRule;
import dev.slipway.schema.op.TableSnapshot;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What the triggers of a migration see, derived from the layouts alone (no database). */
class SyncRulesTest {
    private static final SchemaSnapshot LIVE = new SchemaSnapshot(List.of(new TableSnapshot("customers", "customers",
            List.of(new ColumnSnapshot("id", "id", "bigint", false, null),
                    new ColumnSnapshot("email", "email", "text", true, null),
                    new ColumnSnapshot("score", "score", "integer", true, null)),
            List.of("id"), Set.of())), Set.of());

    private static Migration migration(String yaml) {
        return MigrationFile.parse("002_x.yaml", yaml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void physicalColumnsFollowRenamesAndIncludeAddedAndDuplicatedColumns() {
        Migration migration = migration("""
                operations:
                  - rename_column: {table: customers, from: email, to: mail}
                  - add_column: {table: customers, column: {name: domain, type: text}, up: "split_part(email, '@', 2)"}
                  - alter_column: {table: customers, column: score, type: bigint, up: "score::bigint", down: "score::integer"}
                """);
        SyncRules rules = new SyncRules(migration, LIVE, Validate.layoutAfter(migration, LIVE));

        assertThat(rules.physicalColumnsAfterStart("customers")).extracting(ColumnSnapshot::physicalName)
                .containsExactlyInAnyOrder("id", "mail", "score", "domain", "_slipway_new_score");
        // up reads the row as the old version does: the renamed column under its old name.
        SyncRule up = migration.operations().get(1).syncRules().get(0);
        assertThat(rules.scope(up)).containsEntry("email", "text").containsEntry("mail", "text");
        // down reads it as the new version does: the duplicate under the column's name, with its new type.
        SyncRule down = migration.operations().get(2).syncRules().get(1);
        assertThat(rules.scope(down)).containsEntry("score", "bigint");
        assertThat(SyncRules.backfillColumns(migration)).containsExactly(
                java.util.Map.entry("customers", List.of("domain", "_slipway_new_score")));
    }
}
