package dev.slipway.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TerminalTextTest {

    @Test
    void aLongQuotedValueIsShortenedToItsStartAndLength() {
        String value = "x".repeat(200);

        assertThat(TerminalText.of("expression '" + value + "' is not one expression"))
                .isEqualTo("expression '" + "x".repeat(40) + "...' (200 characters) is not one expression");
    }

    @Test
    void theWordsBetweenTwoQuotedValuesAreNotTakenForAValue() {
        String message = "metric 'lock-waits' has an interval but no count, so this step would never end; give it a"
                + " count, or measure it as the rollout's 'background analysis'";

        assertThat(TerminalText.of(message)).isEqualTo(message);
    }

    @Test
    void controlCharactersAreShownNotPrinted() {
        assertThat(TerminalText.of("name 'a\u001b[2Jb'")).isEqualTo("name 'a\\u001B[2Jb'");
    }
}
