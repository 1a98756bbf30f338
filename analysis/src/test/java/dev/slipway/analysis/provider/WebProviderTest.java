package dev.slipway.analysis.provider;

import dev.slipway.analysis.Analyses;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.Phase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The web provider against a real HTTP server: JSONPath picks the result, conditions judge it, faults are errors. */
class WebProviderTest {
    private final List<String> requests = new ArrayList<>();
    private TestTarget server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void serve(TestTarget.Answer answer) {
        server = TestTarget.serving(exchange -> {
            try {
                requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                        + exchange.getRequestHeaders().getFirst("X-Token") + " "
                        + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return answer;
        });
    }

    private static AnalysisStatus run(String metric) {
        return Analyses.run(Analyses.step(metric), new Providers(new Providers.Environment("orders", null, null,
                Optional.empty(), Path.of("."), Clock.systemUTC())), Duration.ofSeconds(30));
    }

    @Test
    void aJsonPathPicksTheResultAndArgumentsFillTheRequest() {
        serve(TestTarget.Answer.json("""
                {"checks": [{"name": "db", "ok": true, "ms": 3}, {"name": "queue", "ok": true, "ms": 40}],
                 "version": "2.0.0"}"""));

        AnalysisStatus status = run("""
                - name: health
                  successCondition: result == true
                  provider:
                    web:
                      url: %s
                      method: POST
                      headers: {X-Token: secret}
                      body: '{"release": "{{args.canary}}"}'
                      jsonPath: "{$.checks[?(@.name == 'queue')].ok}"
                """.formatted(server.url("/health?service={{args.service}}")));

        assertThat(status.phase()).isEqualTo(Phase.SUCCESSFUL);
        assertThat(requests).containsExactly("POST /health?service=orders secret {\"release\": \"2.0.0\"}");
    }

    @Test
    void aConditionOnTheWholeDocumentReadsItsFields() {
        serve(TestTarget.Answer.json("{\"p99\": 180.5, \"samples\": 1200}"));

        AnalysisStatus status = run("""
                - name: latency
                  failureCondition: result.p99 > 150 && result.samples >= 1000
                  provider: {web: {url: "%s"}}
                """.formatted(server.url("/stats")));

        assertThat(status.phase()).isEqualTo(Phase.FAILED);
        assertThat(status.metric("latency").orElseThrow().measurements().get(0).value()).contains("180.5");
    }

    @Test
    void aStatusOtherThan2xxIsAnErrorNotAFailure() {
        serve(new TestTarget.Answer(503, "application/json", "{\"error\": \"warming up\"}"));

        AnalysisStatus status = run("""
                - name: health
                  consecutiveErrorLimit: 0
                  successCondition: result.ok
                  provider: {web: {url: "%s"}}
                """.formatted(server.url("/health")));

        assertThat(status.phase()).isEqualTo(Phase.ERROR);
        assertThat(status.message()).contains("answered 503: {\"error\": \"warming up\"}");
    }

    @Test
    void aPathThatIsNotInTheAnswerIsAnErrorAndANullIsNoData() {
        serve(TestTarget.Answer.json("{\"status\": null}"));

        AnalysisStatus missing = run("""
                - name: health
                  consecutiveErrorLimit: 0
                  successCondition: result == 'ok'
                  provider: {web: {url: "%s", jsonPath: "$.state"}}
                """.formatted(server.url("/health")));
        AnalysisStatus empty = run("""
                - name: health
                  successCondition: result == 'ok'
                  provider: {web: {url: "%s", jsonPath: "$.status"}}
                """.formatted(server.url("/health")));

        assertThat(missing.phase()).isEqualTo(Phase.ERROR);
        assertThat(missing.message()).contains("$['state'] is not in the answer");
        assertThat(empty.phase()).isEqualTo(Phase.INCONCLUSIVE);
    }

    @Test
    void aBodyThatIsNotJsonIsAnError() {
        serve(new TestTarget.Answer(200, "text/html", "<html>login</html>"));

        AnalysisStatus status = run("""
                - name: health
                  consecutiveErrorLimit: 0
                  successCondition: result.ok
                  provider: {web: {url: "%s"}}
                """.formatted(server.url("/health")));

        assertThat(status.phase()).isEqualTo(Phase.ERROR);
        assertThat(status.message()).contains("did not answer JSON: <html>login</html>");
    }
}
