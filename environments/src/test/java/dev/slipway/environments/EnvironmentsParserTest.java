package dev.slipway.environments;

import dev.slipway.model.SpecException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvironmentsParserTest {
    private static final Path BASE = Path.of("/srv/orders");

    @Test
    void readsEnvironmentsAndTheirPromotion() {
        EnvironmentsSpec spec = EnvironmentsParser.parse("environments.yaml", """
                service: orders
                environments:
                  test: {stateDir: test/.slipway}
                  prod:
                    stateDir: /var/lib/slipway/prod
                    promotion: {from: test, soak: 30m, maxErrorRate: 0.01, approval: true}
                """, BASE);
        assertThat(spec.service()).isEqualTo("orders");
        assertThat(spec.environments()).extracting(Environment::name).containsExactly("test", "prod");
        assertThat(spec.require("test").stateDirectory()).isEqualTo(Path.of("/srv/orders/test/.slipway"));
        assertThat(spec.require("test").promotion()).isEmpty();
        assertThat(spec.require("prod").stateDirectory()).isEqualTo(Path.of("/var/lib/slipway/prod"));
        assertThat(spec.require("prod").promotion()).contains(
                new Promotion("test", Duration.ofMinutes(30), Optional.of(0.01), 100, true));
        assertThatThrownBy(() -> spec.require("staging")).hasMessage(
                "environments.yaml: no environment 'staging' (known: test, prod)");
    }

    @Test
    void aPromotionFromAnUnknownEnvironmentIsLocated() {
        assertError("""
                service: orders
                environments:
                  test: {stateDir: t}
                  prod:
                    stateDir: p
                    promotion: {from: tset, soak: 1h}
                """, "environments.yaml:6:23: environments.prod.promotion.from: 'tset' is not an environment of this file (known: test, prod)");
    }

    @Test
    void cyclesAndSelfPromotionAreRefused() {
        assertError("""
                service: orders
                environments:
                  a: {stateDir: a, promotion: {from: b, soak: 1m}}
                  b: {stateDir: b, promotion: {from: a, soak: 1m}}
                """, "promotions form a cycle");
        assertError("""
                service: orders
                environments:
                  a: {stateDir: a, promotion: {from: a, soak: 1m}}
                """, "environments.yaml:3:38: environments.a.promotion.from: an environment cannot promote from itself");
    }

    @Test
    void badFieldsAreLocated() {
        assertError("""
                service: orders
                environments:
                  prod: {stateDir: p, promotion: {from: test, sok: 1h}}
                  test: {stateDir: t}
                """, "environments.yaml:3:47: environments.prod.promotion.sok: unknown field 'sok' (did you mean 'soak'?)");
        assertError("""
                service: orders
                environments:
                  test: {stateDir: t}
                  prod: {stateDir: p, promotion: {from: test, soak: 1h, maxErrorRate: 2}}
                """, "environments.yaml:4:71: environments.prod.promotion.maxErrorRate: 2");
        assertError("""
                service: orders
                environments:
                  test: {stateDir: t}
                  prod: {stateDir: p, promotion: {from: test, soak: soon}}
                """, "environments.yaml:4:53: environments.prod.promotion.soak: 'soon' is not a duration");
        assertError("""
                service: orders
                environments: {}
                """, "lists no environment");
    }

    private static void assertError(String text, String expected) {
        assertThatThrownBy(() -> EnvironmentsParser.parse("environments.yaml", text, BASE))
                .isInstanceOf(SpecException.class).hasMessageContaining(expected);
    }
}
