package dev.slipway.model;

import dev.slipway.testkit.fuzz.FuzzSeeds;
import dev.slipway.testkit.fuzz.LocatedErrors;
import dev.slipway.testkit.fuzz.YamlMutations;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Issue #15 item 5: hostile variants of valid {@code slipway.yaml} files end in a valid spec or in a
 * {@link SpecException} located at {@code slipway.yaml:line:column} — never another exception, never a stack trace.
 */
class SpecFuzzProperties {
    @Example
    void theSeedsAreValid() {
        FuzzSeeds.specs().forEach(seed -> SpecParser.parse("slipway.yaml", seed));
    }

    @Property // 1000 tries; more with -Djqwik.tries.default=N
    void everyMutatedSpecIsAValidSpecOrAnErrorLocatedInTheFile(@ForAll("specs") YamlMutations.Mutated input) {
        String outcome;
        try {
            SpecParser.parse("slipway.yaml", input.text());
            outcome = "valid spec";
        } catch (SpecException error) {
            LocatedErrors.assertLocated(error.getMessage(), "slipway.yaml", input.text());
            outcome = "located error";
        }
        Statistics.label("outcome").collect(outcome);
        input.kinds().forEach(kind -> Statistics.label("mutation").collect(kind));
    }

    @Provide
    Arbitrary<YamlMutations.Mutated> specs() {
        return YamlMutations.of(FuzzSeeds.specs());
    }
}
