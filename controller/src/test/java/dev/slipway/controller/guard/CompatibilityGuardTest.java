package dev.slipway.controller.guard;

import dev.slipway.model.SchemaRange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class CompatibilityGuardTest {

    @Test
    void undoToABinaryThatCannotReadTheContractedSchemaIsRefusedWithTheWaysForward() {
        GuardDecision decision = new CompatibilityGuard().check("undo to orders 1.0.0", Set.of(2),
                List.of(new RevisionRef("orders", "1.0.0", new SchemaRange(1, 1), RevisionRef.Role.STABLE)),
                List.of("Roll forward instead.", "Or write a reverse migration."));

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.message()).isEqualTo("""
                refused: undo to orders 1.0.0 would leave the schema at {2}, but stable orders 1.0.0 reads schema [1, 1].
                  Roll forward instead.
                  Or write a reverse migration.
                  Or pass --force --backup <file> to override (recorded in the audit history).""");
    }

    @Test
    void expandingKeepsTheOldBinaryReadingSoItIsAllowed() {
        GuardDecision decision = new CompatibilityGuard().check("schema start of version 2", Set.of(1, 2),
                List.of(new RevisionRef("orders", "1.0.0", new SchemaRange(1, 1), RevisionRef.Role.STABLE),
                        new RevisionRef("orders", "2.0.0", new SchemaRange(2, 2), RevisionRef.Role.CANARY)),
                List.of());
        assertThat(decision.allowed()).isTrue();
    }
}
