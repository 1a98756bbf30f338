package dev.slipway.environments;

import dev.slipway.model.SpecException;
import dev.slipway.testkit.fuzz.FuzzSeeds;
import dev.slipway.testkit.fuzz.LocatedErrors;
import dev.slipway.testkit.fuzz.YamlMutations;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.nio.file.Path;

/**
 * Issue #15 item 5: hostile variants of valid {@code environments.yaml} files end in environments or in a
 * {@link SpecException} located at {@code environments.yaml:line:column} — never another exception.
 */
class EnvironmentsFuzzProperties {
    @Example
    void theSeedsAreValid() {
        FuzzSeeds.environments().forEach(seed -> EnvironmentsParser.parse("environments.yaml", seed, Path.of("/srv/orders")));
    }

    @Property // 1000 tries; more with -Djqwik.tries.default=N
    void everyMutatedEnvironmentsFileIsValidOrAnErrorLocatedInTheFile(@ForAll("files") YamlMutations.Mutated input) {
        String outcome;
        try {
            EnvironmentsParser.parse("environments.yaml", input.text(), Path.of("/srv/orders"));
            outcome = "valid environments";
        } catch (SpecException error) {
            LocatedErrors.assertLocated(error.getMessage(), "environments.yaml", input.text());
            outcome = "located error";
        }
        Statistics.label("outcome").collect(outcome);
        input.kinds().forEach(kind -> Statistics.label("mutation").collect(kind));
    }

    @Provide
    Arbitrary<YamlMutations.Mutated> files() {
        return YamlMutations.of(FuzzSeeds.environments());
    }
}
