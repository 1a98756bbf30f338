package dev.slipway.model;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpecParserTest {

    private static final String VALID = """
            service: orders
            database: {url: embedded}
            runtime: local
            router: {listen: 127.0.0.1:8080}
            release:
              version: 2.0.0
              run: {command: [java, -jar, examples/orders/target/orders-2.0.0.jar], env: {JAVA_OPTS: -Xmx64m}}
              schema: [1, 2]
              replicas: 3
              health:
                readiness: {path: /ready, period: 1s, timeout: 1s, failureThreshold: 3, startPeriod: 30s}
                liveness:  {path: /live,  period: 5s, failureThreshold: 3}
              strategy:
                canary:
                  steps:
                    - setWeight: 10
                    - pause: 30s
                    - analysis: {errorRate: {max: 0.01}, latencyP99: {max: 250ms}, minRequests: 200}
                    - setWeight: 50
                    - pause: {}
            """;

    @Test
    void theIssueExampleParsesIntoRecords() {
        ServiceSpec spec = SpecParser.parse("slipway.yaml", VALID);

        assertThat(spec.service()).isEqualTo("orders");
        assertThat(spec.databaseUrl()).isEqualTo("embedded");
        assertThat(spec.schemaName()).isEqualTo("public");
        assertThat(spec.routerListen()).isEqualTo("127.0.0.1:8080");
        ReleaseSpec release = spec.release();
        assertThat(release.version()).isEqualTo("2.0.0");
        assertThat(release.run().command()).containsExactly("java", "-jar", "examples/orders/target/orders-2.0.0.jar");
        assertThat(release.run().env()).containsEntry("JAVA_OPTS", "-Xmx64m");
        assertThat(release.schema()).isEqualTo(new SchemaRange(1, 2));
        assertThat(release.replicas()).isEqualTo(3);
        assertThat(release.health().readiness().startPeriod()).isEqualTo(Duration.ofSeconds(30));
        assertThat(release.health().liveness().period()).isEqualTo(Duration.ofSeconds(5));
        assertThat(((StrategySpec.Canary) release.strategy()).steps()).containsExactly(
                new CanaryStep.SetWeight(10),
                new CanaryStep.Pause(Optional.of(Duration.ofSeconds(30))),
                new CanaryStep.Analysis(new AnalysisSpec(0.01, Optional.of(Duration.ofMillis(250)), 200,
                        Duration.ofSeconds(60))),
                new CanaryStep.SetWeight(50),
                new CanaryStep.Pause(Optional.empty()));
    }

    @Test
    void aWeightOverAHundredIsLocatedAtItsValue() {
        String spec = VALID.replace("- setWeight: 50", "- setWeight: 120");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec))
                .isInstanceOf(SpecException.class)
                .hasMessage("slipway.yaml:19:22: release.strategy.canary.steps[3].setWeight: 120 is not a percentage (0..100)");
    }

    @Test
    void livenessIsOptInAndASpecThatSetsOnlyTheReadinessPathGetsNoLivenessProbe() {
        String onlyReadiness = VALID.replace(
                "    readiness: {path: /ready, period: 1s, timeout: 1s, failureThreshold: 3, startPeriod: 30s}\n"
                + "    liveness:  {path: /live,  period: 5s, failureThreshold: 3}\n",
                "    readiness: {path: /healthz}\n");
        HealthSpec health = SpecParser.parse("slipway.yaml", onlyReadiness).release().health();

        assertThat(health.readiness().path()).isEqualTo("/healthz");
        assertThat(health.liveness()).as("no liveness probe unless the spec sets one").isNull();
        String noHealth = onlyReadiness.replace("  health:\n    readiness: {path: /healthz}\n", "");
        assertThat(SpecParser.parse("slipway.yaml", noHealth).release().health().liveness()).isNull();
        ReleaseSpec written = SpecParser.parseRelease("stored", SpecWriter.release(
                SpecParser.parse("slipway.yaml", onlyReadiness).release()));
        assertThat(written.health().liveness()).as("written and read back by the store").isNull();
    }

    @Test
    void theDatabasePasswordCanComeFromAFileInsteadOfTheUrl() {
        String spec = VALID.replace("database: {url: embedded}",
                "database: {url: \"jdbc:postgresql://db:5432/orders?user=orders\", passwordFile: secrets/orders-db}");
        ServiceSpec parsed = SpecParser.parse("slipway.yaml", spec);

        assertThat(parsed.databaseUrl()).isEqualTo("jdbc:postgresql://db:5432/orders?user=orders");
        assertThat(parsed.databasePasswordFile()).contains("secrets/orders-db");
        assertThat(SpecParser.parse("slipway.yaml", VALID).databasePasswordFile()).isEmpty();
    }

    @Test
    void aMisspelledFieldIsNamedWithASuggestion() {
        String spec = VALID.replace("  replicas: 3", "  replica: 3");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec))
                .isInstanceOf(SpecException.class)
                .hasMessageStartingWith("slipway.yaml:9:3: release.replica: unknown field 'replica' (did you mean 'replicas'?)");
    }

    @Test
    void anEmptySchemaRangeIsRefused() {
        String spec = VALID.replace("schema: [1, 2]", "schema: [3, 2]");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec))
                .hasMessage("slipway.yaml:8:11: release.schema: [3, 2] is empty: the first version must not exceed the second");
    }

    @Test
    void malformedYamlIsLocated() {
        assertThatThrownBy(() -> SpecParser.parse("bad.yaml", "service: orders\nrelease: [unclosed\n"))
                .isInstanceOf(SpecException.class)
                .hasMessageStartingWith("bad.yaml:3:1: invalid YAML");
    }

    @Test
    void missingFieldsAreNamed() {
        assertThatThrownBy(() -> SpecParser.parse("s.yaml", "service: orders\n"))
                .hasMessage("s.yaml:1:1: missing required field 'release'");
    }

    @Test
    void theRouterListensOnWhateverAddressTheUserNames() {
        for (String address : List.of("0.0.0.0:80", "[::]:8443", "10.0.0.5:8080", "[fd00::7]:8080", "router.internal:8080")) {
            String spec = VALID.replace("127.0.0.1:8080", "\"" + address + "\""); // YAML reads [ as a list unquoted
            assertThat(SpecParser.parse("slipway.yaml", spec).routerListen()).isEqualTo(address);
        }
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", VALID.replace("127.0.0.1:8080", "10.0.0.300:8080")))
                .hasMessage("slipway.yaml:4:18: router.listen: '10.0.0.300' is not an IP address ([brackets] around IPv6)"
                        + " or a host name");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", VALID.replace("127.0.0.1:8080", "'::1:8080'")))
                .hasMessageContaining("slipway.yaml:4:18: router.listen: '::1:8080' is not host:port");
    }

    @Test
    void aPreviewListenerIsOptionalAndReadWhenGiven() {
        assertThat(SpecParser.parse("slipway.yaml", VALID).routerPreview()).isEmpty();

        String spec = VALID.replace("router: {listen: 127.0.0.1:8080}", "router: {listen: 127.0.0.1:8080, preview: 127.0.0.1:8081}");
        assertThat(SpecParser.parse("slipway.yaml", spec).routerPreview()).contains("127.0.0.1:8081");

        String previewOnly = VALID.replace("router: {listen: 127.0.0.1:8080}", "router: {preview: localhost:9081}");
        ServiceSpec parsed = SpecParser.parse("slipway.yaml", previewOnly);
        assertThat(parsed.routerListen()).as("the default listen address").isEqualTo("127.0.0.1:8080");
        assertThat(parsed.routerPreview()).contains("localhost:9081");
    }

    @Test
    void aBadPreviewListenerIsLocatedAtItsValue() {
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", withRouter("{listen: 127.0.0.1:8080, preview: 8081}")))
                .isInstanceOf(SpecException.class)
                .hasMessage("slipway.yaml:4:43: router.preview: '8081' is not host:port (e.g. 0.0.0.0:8080, 127.0.0.1:8080,"
                        + " [::]:8443)");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", withRouter("{listen: 127.0.0.1:8080, preview: 127.0.0.1:8080}")))
                .hasMessage("slipway.yaml:4:43: router.preview: '127.0.0.1:8080' is router.listen already; "
                        + "every listener needs a port of its own");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", withRouter("{listen: 127.0.0.1:8080, previews: 127.0.0.1:8081}")))
                .hasMessageStartingWith("slipway.yaml:4:34: router.previews: unknown field 'previews' (did you mean 'preview'?)");
    }

    private static String withRouter(String router) {
        return VALID.replace("router: {listen: 127.0.0.1:8080}", "router: " + router);
    }

    @Test
    void badDurationsSayWhatIsExpected() {
        String spec = VALID.replace("pause: 30s", "pause: 30 seconds");
        assertThatThrownBy(() -> SpecParser.parse("slipway.yaml", spec))
                .hasMessage("slipway.yaml:17:18: release.strategy.canary.steps[1].pause: "
                        + "'30 seconds' is not a duration (use e.g. 500ms, 30s, 5m, 24h, 1h30m)");
    }

    @Test
    void durationsRoundTrip() {
        for (String text : List.of("250ms", "30s", "5m", "24h", "1h30m", "1m30s500ms")) {
            assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
        }
    }

    @Test
    void aSchemaRangeReadsAVersionOfAState() {
        SchemaRange range = new SchemaRange(1, 2);
        assertThat(range.readsAnyOf(List.of(2, 3))).isTrue();
        assertThat(range.readsAnyOf(List.of(3))).isFalse();
        assertThat(range.newestReadable(List.of(1, 2))).isEqualTo(2);
    }
}
