package dev.slipway.schema.op;

import dev.slipway.schema.BackfillListener;
import dev.slipway.schema.Migration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A migration file is hostile until checked: none of its SQL fragments may turn into statements of their own.
 * Each attack gets a located error ({@code file:line:column}) and leaves the catalog as it was.
 */
class ExpressionInjectionTest extends OperationTestBase {
    private List<List<String>> before;

    @BeforeEach
    void version1() {
        givenVersion1();
        before = catalogFingerprint();
    }

    private void assertNothingChanged() {
        assertThat(catalogFingerprint()).isEqualTo(before);
        assertThat(single(dataSource, "SELECT count(*) FROM pg_class WHERE relname LIKE '%smuggled%' OR relname = 'pwned'"))
                .isEqualTo("0");
        assertThat(engine.status().history()).hasSize(1);
    }

    @Test
    void anUpThatClosesTheCastAndCommitsIsRefusedByPlanWithoutRunningIt() {
        // The attack that made `plan` create and commit a table.
        String file = """
                operations:
                  - add_column:
                      table: customers
                      column: {name: note, type: text}
                      up: "NULL) AS text); COMMIT; CREATE TABLE public.pwned (note text); SELECT CAST((NULL"
                """;
        assertThatThrownBy(() -> engine.plan(migration("002_x.yaml", file)))
                .hasMessageStartingWith("002_x.yaml:5:11: operations[0].add_column.up: not one SQL expression:");
        assertThatThrownBy(() -> engine.start(migration("002_x.yaml", file), BackfillListener.NONE))
                .hasMessageStartingWith("002_x.yaml:5:11:");
        assertNothingChanged();
    }

    @Test
    void aTypeThatEndsTheColumnDefinitionIsRefused() {
        assertThatThrownBy(() -> engine.start(migration("002_x.yaml", """
                operations:
                  - add_column:
                      table: customers
                      column: {name: y, type: "bigint PRIMARY KEY); CREATE TABLE public.smuggled (y int"}
                """), BackfillListener.NONE))
                .hasMessageStartingWith("002_x.yaml:4:31: operations[0].add_column.column.type: 'bigint PRIMARY KEY);"
                        + " CREATE TABLE public.smuggled (y int' is not a type name");
        // A type that passes the grammar but is no type (here: a constraint after it) is refused by the server.
        assertThatThrownBy(() -> engine.start(migration("002_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: y, type: "bigint PRIMARY KEY"}}
                """), BackfillListener.NONE))
                .hasMessageStartingWith("migration 002_x.yaml: add_column customers.y: column y: type bigint PRIMARY KEY:");
        assertNothingChanged();
    }

    @Test
    void aDefaultCheckPredicateMethodOrOnDeleteCannotCarryStatements() {
        List<String> attacks = List.of("""
                operations:
                  - add_column: {table: customers, column: {name: z, type: int, default: "0; CREATE TABLE public.smuggled (z int)"}}
                """, """
                operations:
                  - add_column: {table: customers, column: {name: z, type: int, check: "true) NOT VALID; CREATE TABLE public.smuggled (z int); --"}}
                """, """
                operations:
                  - create_index: {name: i, table: customers, columns: [name], predicate: "true; CREATE TABLE public.smuggled (z int)"}
                """, """
                operations:
                  - create_index: {name: i, table: customers, columns: [name], method: "btree (id); CREATE TABLE public.smuggled (z int); --"}
                """, """
                operations:
                  - add_column:
                      table: customers
                      column: {name: z, type: bigint, references: {table: customers, column: id, on_delete: "CASCADE; CREATE TABLE public.smuggled (z int)"}}
                """, """
                operations:
                  - add_column: {table: customers, column: {name: z, type: int}, up: "1 -- a comment that would swallow the closing parenthesis"}
                """, """
                operations:
                  - create_constraint: {table: customers, name: c, type: check, check: "(true)) OR (true"}
                """);
        for (String attack : attacks) {
            assertThatThrownBy(() -> engine.start(migration("002_x.yaml", attack), BackfillListener.NONE))
                    .as(attack).hasMessageMatching("(?s)002_x\\.yaml:\\d+:\\d+: operations\\[0\\]\\..*");
        }
        assertNothingChanged();
    }

    @Test
    void aDollarQuoteInsideANameOrAnExpressionDoesNotEndSlipwaysOwn() {
        // Both end up inside PL/pgSQL bodies Slipway quotes with dollar quotes: the trigger function and the
        // guarded DO blocks of rollback.
        String sneaky = "x$slipway$; CREATE TABLE public.smuggled_dollar (z int); --";
        engine.start(migration("002_x.yaml", """
                operations:
                  - rename_column: {table: customers, from: email, to: "%s"}
                  - add_column: {table: customers, column: {name: tag, type: text}, up: "'$slipway$' || name"}
                """.formatted(sneaky)), BackfillListener.NONE);
        execute(version(1), "INSERT INTO customers (name) VALUES ('Grace')");
        assertThat(query(version(2), "SELECT tag FROM customers ORDER BY id"))
                .containsExactly(List.of("$slipway$Ada"), List.of("$slipway$Grace"), List.of("$slipway$Linus"),
                        List.of("$slipway$Grace"));
        assertThat(columns("public_v2", "customers")).contains(sneaky);

        engine.rollback();
        assertThat(columns("public", "customers")).containsExactly("id", "name", "email");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_class WHERE relname LIKE '%smuggled%'")).isEqualTo("0");
    }

    @Test
    void planRunsNothingNotEvenTheFunctionsAnExpressionCalls() {
        Migration migration = migration("002_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: ticket, type: bigint}, up: "nextval('customers_id_seq')"}
                """);
        String sequenceBefore = single(dataSource, "SELECT last_value FROM customers_id_seq");

        List<String> plan = engine.plan(migration);

        assertThat(plan).isNotEmpty();
        assertThat(single(dataSource, "SELECT last_value FROM customers_id_seq")).isEqualTo(sequenceBefore);
        assertNothingChanged();
    }
}
