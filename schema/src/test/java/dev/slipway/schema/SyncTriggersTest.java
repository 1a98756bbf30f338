package dev.slipway.schema;

import dev.slipway.schema.op.ColumnSnapshot;
import dev.slipway.schema.op.SyncRule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The sync function declares a variable only for the columns its expressions may name. */
class SyncTriggersTest {
    private static List<SyncRule> up(String expression) {
        return List.of(new SyncRule("customers", "first_name", expression, SyncRule.Direction.UP));
    }

    @Test
    void aColumnNamedInAnyCaseOrQuotedGetsItsVariable() {
        assertThat(SyncTriggers.mayBeReferenced("full_name", up("split_part(full_name, ' ', 1)"))).isTrue();
        assertThat(SyncTriggers.mayBeReferenced("full_name", up("split_part(FULL_NAME, ' ', 1)"))).isTrue();
        assertThat(SyncTriggers.mayBeReferenced("FullName", up("split_part(\"FullName\", ' ', 1)"))).isTrue();
    }

    @Test
    void aColumnNoExpressionNamesGetsNone() {
        assertThat(SyncTriggers.mayBeReferenced("email", up("split_part(full_name, ' ', 1)"))).isFalse();
        assertThat(SyncTriggers.mayBeReferenced("created_at", up("split_part(full_name, ' ', 1)"))).isFalse();
    }

    @Test
    void namesTheTextMayNotShowAreAlwaysDeclared() {
        assertThat(SyncTriggers.mayBeReferenced("a\"b", up("1"))).isTrue();
        assertThat(SyncTriggers.mayBeReferenced("email", up("U&\"\\0065mail\""))).isTrue();
        assertThat(SyncTriggers.mayBeReferenced("email", up("u&\"\\0065mail\""))).isTrue();
    }

    @Test
    void theFunctionDeclaresOnlyTheNamedColumns() {
        String function = SyncTriggers.create("public", "public_v2", 2, "customers", List.of(
                new ColumnSnapshot("id", "id", "bigint", false, null),
                new ColumnSnapshot("full_name", "full_name", "text", false, null),
                new ColumnSnapshot("email", "email", "text", true, null)),
                up("split_part(full_name, ' ', 1)")).get(0);
        assertThat(function).contains("\"full_name\" \"public\".\"customers\".\"full_name\"%TYPE := NEW.\"full_name\"").doesNotContain(":= NEW.\"email\"")
                .doesNotContain(":= NEW.\"id\"");
    }
}
