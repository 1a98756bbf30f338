package dev.slipway.schema;

import dev.slipway.testkit.fuzz.LocatedErrors;
import dev.slipway.testkit.fuzz.YamlMutations;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15 item 5: hostile variants of valid migration files, read through the public entry point
 * ({@link MigrationFile#parse(String, byte[])}, which every format it knows goes through), end in a migration or in a
 * {@link MigrationException} located at {@code file:line:column} — never another exception, never a stack trace.
 */
class MigrationFileFuzzProperties {
    static final String FILE = "003_fuzzed.yaml";
    static final List<String> SEEDS = seeds();

    @Example
    void theSeedsAreValidMigrations() {
        SEEDS.forEach(seed -> assertThat(MigrationFile.parse(FILE, seed.getBytes(StandardCharsets.UTF_8)).operations())
                .isNotEmpty());
    }

    @Property // 1000 tries; more with -Djqwik.tries.default=N
    void everyMutatedMigrationIsAMigrationOrAnErrorLocatedInTheFile(@ForAll("migrations") YamlMutations.Mutated input) {
        String outcome;
        try {
            MigrationFile.parse(FILE, input.text().getBytes(StandardCharsets.UTF_8));
            outcome = "valid migration";
        } catch (MigrationException error) {
            LocatedErrors.assertLocated(error.getMessage(), FILE, input.text());
            outcome = "located error";
        }
        Statistics.label("outcome").collect(outcome);
        input.kinds().forEach(kind -> Statistics.label("mutation").collect(kind));
    }

    @Provide
    Arbitrary<YamlMutations.Mutated> migrations() {
        return YamlMutations.of(SEEDS);
    }

    private static List<String> seeds() {
        List<String> seeds = new ArrayList<>(List.of("""
                version: 3
                description: every kind of operation
                operations:
                  - alter_column:
                      table: orders
                      column: amount
                      type: numeric(12,2)
                      check: "amount >= 0"
                      up: "greatest(amount, 0)::numeric(12,2)"
                      down: "round(amount)::int"
                  - rename_column: {table: customers, from: email, to: mail}
                  - create_index: {name: orders_customer, table: orders, columns: [customer_id], unique: false}
                  - create_constraint: {table: orders, name: positive, type: check, check: "amount_cents > 0"}
                  - rename_table: {from: notes, to: remarks}
                  - drop_table: {name: legacy}
                """, """
                version: 3
                operations:
                  - raw_sql: {up: "CREATE EXTENSION IF NOT EXISTS pg_trgm", down: "DROP EXTENSION pg_trgm"}
                """));
        Path migrations = Path.of(System.getProperty("slipway.home", ".."), "examples/orders/migrations");
        for (String name : List.of("001_initial.yaml", "002_split_name.yaml")) {
            try {
                // the version comes from the file name here: drop it from the text so the seed fits FILE
                seeds.add(Files.readString(migrations.resolve(name)).replaceFirst("(?m)^version: \\d+\\n", ""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(seeds);
    }
}
