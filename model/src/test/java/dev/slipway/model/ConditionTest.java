package dev.slipway.model;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConditionTest {

    @Test
    void comparesNumbers() {
        assertThat(Condition.parse("result < 0.01").test(0.005)).isTrue();
        assertThat(Condition.parse("result < 0.01").test(0.02)).isFalse();
        assertThat(Condition.parse("result >= 1e-3 && result <= 2").test(0.5)).isTrue();
        assertThat(Condition.parse("(result + 1) * 2 == 6").test(2.0)).isTrue();
        assertThat(Condition.parse("-result > -1").test(0.5)).isTrue();
    }

    @Test
    void aVectorOfOneSeriesComparesLikeItsValue() {
        assertThat(Condition.parse("result < 5").test(List.of(3.0))).isTrue();
        assertThat(Condition.parse("result[1] > 4 and len(result) == 2").test(List.of(3.0, 5.0))).isTrue();
        assertThat(Condition.parse("max(result) < 4").test(List.of(3.0, 5.0))).isFalse();
    }

    @Test
    void readsJsonObjects() {
        Object json = Map.of("status", "ok", "checks", List.of(Map.of("ok", true)));
        assertThat(Condition.parse("result.status == 'ok' && result.checks[0].ok").test(json)).isTrue();
        assertThat(Condition.parse("!(result.status != \"ok\")").test(json)).isTrue();
        assertThat(Condition.parse("not result.checks[0].ok || false").test(json)).isFalse();
    }

    @Test
    void typeErrorsAreErrorsNotFalse() {
        assertThatThrownBy(() -> Condition.parse("result < 1").test("fast")).hasMessage("cannot compare 'fast' < 1");
        assertThatThrownBy(() -> Condition.parse("result.missing == 1").test(Map.of("status", "ok")))
                .hasMessageContaining("no field 'missing'");
        assertThatThrownBy(() -> Condition.parse("result[3] > 0").test(List.of(1.0)))
                .hasMessage("index 3 is outside the 1 values of the result");
        assertThatThrownBy(() -> Condition.parse("result + 1").test(1.0)).hasMessage("'result + 1' gives 2, not true or false");
    }

    @Test
    void syntaxErrorsSayWhere() {
        assertThatThrownBy(() -> Condition.parse("result <")).hasMessage("condition 'result <': expected a value at character 9");
        assertThatThrownBy(() -> Condition.parse("resutl < 1"))
                .hasMessageStartingWith("condition 'resutl < 1': unknown name 'resutl'");
        assertThatThrownBy(() -> Condition.parse("len(result")).hasMessageContaining("expected ')' to close len(");
    }
}
