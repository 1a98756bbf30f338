package dev.slipway.model;

import dev.slipway.testkit.fuzz.LocatedErrors;
import dev.slipway.testkit.fuzz.YamlMutations;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.List;

/**
 * Issue #15 item 5: hostile variants of valid {@code slipway.yaml} files end in a valid spec or in a
 * {@link SpecException} located at {@code slipway.yaml:line:column} — never another exception, never a stack trace.
 */
class SpecFuzzProperties {
    static final List<String> SEEDS = List.of("""
            service: orders
            database: {url: embedded, schema: public}
            runtime: local
            router: {listen: 127.0.0.1:8080, preview: 127.0.0.1:8081}
            release:
              version: 2.0.0
              run: {command: [java, -jar, orders-2.0.0.jar], env: {JAVA_OPTS: -Xmx64m}}
              schema: [1, 2]
              replicas: 3
              contractAfter: 24h
              health:
                readiness: {path: /ready, period: 1s, timeout: 1s, failureThreshold: 3, startPeriod: 30s}
                liveness: {path: /live, period: 5s, failureThreshold: 3}
              strategy:
                canary:
                  steps:
                    - setWeight: 10
                    - pause: 30s
                    - analysis: {errorRate: {max: 0.01}, latencyP99: {max: 250ms}, minRequests: 200, window: 60s}
                    - setHeaderRoute: {header: X-Canary, value: "on"}
                    - setCanaryScale: {replicas: 1}
                    - setWeight: 50
                    - pause: {}
            """, """
            service: billing
            database: {url: "jdbc:postgresql://127.0.0.1:5432/billing?user=billing", passwordFile: secret}
            release:
              version: 1.4.0
              run: {command: [./billing]}
              schema: 3
              replicas: 4
              strategy:
                rolling: {maxSurge: 25%, maxUnavailable: 1}
            """, """
            service: shop
            runtime: docker
            release:
              version: 7.0.0
              run: {command: ["image:shop:7.0.0"]}
              schema: [2, 3]
              health:
                readiness: {path: /healthz}
              strategy:
                blueGreen: {autoPromoteAfter: 30s, scaleDownDelay: 1m, previewHeader: X-Preview,
                            prePromotionAnalysis: {errorRate: {max: 0.05}, minRequests: 50}}
            """);

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
        return YamlMutations.of(SEEDS);
    }
}
