package dev.slipway.schema;

import dev.slipway.testkit.fuzz.FuzzSeeds;
import dev.slipway.testkit.fuzz.LocatedErrors;
import dev.slipway.testkit.fuzz.YamlMutations;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15 item 5: hostile variants of valid migration files, read through the public entry point
 * ({@link MigrationFile#parse(String, byte[])}, which every format it knows goes through), end in a migration or in a
 * {@link MigrationException} located at {@code file:line:column} — never another exception, never a stack trace.
 */
class MigrationFileFuzzProperties {
    static final String FILE = FuzzSeeds.MIGRATION_FILE;

    @Example
    void theSeedsAreValidMigrations() {
        FuzzSeeds.migrations().forEach(seed -> assertThat(MigrationFile.parse(FILE, seed.getBytes(StandardCharsets.UTF_8)).operations())
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
        return YamlMutations.of(FuzzSeeds.migrations());
    }
}
