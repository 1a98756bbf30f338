package dev.slipway.controller.guard;

import dev.slipway.model.SchemaRange;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class CompatibilityGuardProperties {
    private final CompatibilityGuard guard = new CompatibilityGuard();

    @Property
    void allowedExactlyWhenEveryRevisionReadsAVersionOfTheState(
            @ForAll @Size(max = 3) Set<@IntRange(min = 1, max = 6) Integer> state,
            @ForAll("revisions") List<RevisionRef> revisions) {
        GuardDecision decision = guard.check("action", state, revisions, List.of("way"));

        boolean everyoneReads = revisions.stream().allMatch(r -> state.stream().anyMatch(v -> r.schema().reads(v)));
        assertThat(decision.allowed()).isEqualTo(everyoneReads);
        assertThat(decision.message().isEmpty()).isEqualTo(everyoneReads);
    }

    @Property
    void aRefusalNamesEveryBrokenRevisionItsRangeAndTheWaysForward(
            @ForAll @Size(min = 1, max = 3) Set<@IntRange(min = 1, max = 6) Integer> state,
            @ForAll("revisions") List<RevisionRef> revisions) {
        GuardDecision decision = guard.check("schema complete of version 4", state, revisions,
                List.of("Finish the rollout first."));
        for (RevisionRef broken : decision.broken()) {
            assertThat(decision.message())
                    .contains(broken.role().label() + " " + broken.service() + " " + broken.version()
                            + " reads schema " + broken.schema())
                    .contains(CompatibilityGuard.formatState(state))
                    .contains("Finish the rollout first.")
                    .contains("--force --backup");
        }
        assertThat(decision.broken()).allSatisfy(r -> assertThat(r.schema().readsAnyOf(state)).isFalse());
    }

    @Provide
    Arbitrary<List<RevisionRef>> revisions() {
        Arbitrary<Integer> low = Arbitraries.integers().between(1, 6);
        Arbitrary<Integer> width = Arbitraries.integers().between(0, 2);
        Arbitrary<RevisionRef> revision = Combinators.combine(low, width,
                Arbitraries.of(RevisionRef.Role.values()), Arbitraries.integers().between(1, 9))
                .as((min, span, role, major) -> new RevisionRef("orders", major + ".0.0",
                        new SchemaRange(min, min + span), role));
        return revision.list().ofMaxSize(4);
    }
}
