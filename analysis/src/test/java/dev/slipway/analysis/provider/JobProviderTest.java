package dev.slipway.analysis.provider;

import dev.slipway.analysis.Analyses;
import dev.slipway.analysis.run.AnalysisStatus;
import dev.slipway.analysis.run.Measurement;
import dev.slipway.analysis.run.Phase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The job provider runs real commands: exit status decides, output is kept, a hung job is killed. */
class JobProviderTest {
    @TempDir
    Path directory;

    private AnalysisStatus run(String metric) {
        return Analyses.run(Analyses.step(metric), new Providers(new Providers.Environment("orders", null, null,
                Optional.empty(), directory, Clock.systemUTC())), Duration.ofSeconds(30));
    }

    @Test
    void exitZeroSucceedsAndTheOutputAndBuiltInsAreThere() {
        AnalysisStatus status = run("""
                - name: smoke
                  provider:
                    job:
                      command: [sh, -c, 'echo "checking $SLIPWAY_CANARY against $SLIPWAY_STABLE as $WHO"; pwd']
                      env: {WHO: "{{args.service}}"}
                """);

        assertThat(status.phase()).isEqualTo(Phase.SUCCESSFUL);
        Measurement measurement = status.metric("smoke").orElseThrow().measurements().get(0);
        assertThat(measurement.value()).isEqualTo("exit 0");
        assertThat(measurement.message()).isEqualTo("output: checking 2.0.0 against 1.0.0 as orders\n" + directory);
    }

    @Test
    void aNonZeroExitFailsWithItsOutput() {
        AnalysisStatus status = run("""
                - name: smoke
                  provider: {job: {command: [sh, -c, 'echo "2 orders lost" >&2; exit 3']}}
                """);

        assertThat(status.phase()).isEqualTo(Phase.FAILED);
        assertThat(status.message()).contains("exit status 3; output: 2 orders lost");
    }

    @Test
    void aJobPastItsTimeoutIsKilledWithItsChildrenAndIsAnError() throws Exception {
        Path marker = directory.resolve("child-alive");
        AnalysisStatus status = run("""
                - name: hang
                  consecutiveErrorLimit: 0
                  provider: {job: {command: [sh, -c, 'echo started; (sleep 3; touch %s) & sleep 60'], timeout: 1s}}
                """.formatted(marker));

        assertThat(status.phase()).isEqualTo(Phase.ERROR);
        assertThat(status.message()).contains("timed out after 1s and was killed; output: started");
        Thread.sleep(3_500); // past the child's own sleep: it would have touched the marker had it survived
        assertThat(Files.exists(marker)).as("the job's child was killed too").isFalse();
    }

    @Test
    void aCommandThatCannotStartIsAnError() {
        AnalysisStatus status = run("""
                - name: missing
                  consecutiveErrorLimit: 0
                  provider: {job: {command: [/no/such/check]}}
                """);

        assertThat(status.phase()).isEqualTo(Phase.ERROR);
        assertThat(status.message()).contains("cannot run /no/such/check");
    }

    @Test
    void onlyTheLastOutputIsKept() {
        AnalysisStatus status = run("""
                - name: chatty
                  provider: {job: {command: [sh, -c, 'seq 1 5000; echo last line']}}
                """);

        String message = status.metric("chatty").orElseThrow().measurements().get(0).message();
        assertThat(message).startsWith("output: ...").endsWith("5000\nlast line");
        assertThat(message.length()).isLessThan(JobMeasurer.KEPT_OUTPUT + 20);
    }
}
