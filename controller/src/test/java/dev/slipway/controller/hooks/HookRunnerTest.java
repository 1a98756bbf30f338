package dev.slipway.controller.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.controller.notify.LoopbackReceiver;
import dev.slipway.model.HookSpec;
import dev.slipway.model.SecretText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Hooks as real processes and real HTTP calls on loopback: the context they get, and every way they end. */
class HookRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HookContext CONTEXT = new HookContext("orders", 7, Optional.of("1.0.0"), "2.0.0",
            new TreeSet<>(Set.of(1, 2)), Optional.empty());

    @TempDir
    Path directory;
    private LoopbackReceiver receiver;
    private HookRunner runner;

    @BeforeEach
    void start() throws Exception {
        receiver = new LoopbackReceiver();
        runner = new HookRunner(directory, Map.of("GATE_TOKEN", "t0ken")::get);
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    @Test
    void aCommandGetsTheContextInItsEnvironmentAndOnStdinAndPassesWithExitZero() throws Exception {
        script("hooks/check.sh", """
                #!/bin/sh
                echo "$SLIPWAY_SERVICE $SLIPWAY_FROM_VERSION $SLIPWAY_TO_VERSION $SLIPWAY_SCHEMA_STATE $SLIPWAY_MOMENT $LEVEL" > seen.txt
                cat > context.json
                """);
        HookOutcome outcome = runner.run(command("check", HookSpec.Moment.PRE_ROLLOUT, Duration.ofSeconds(20),
                "./hooks/check.sh"), CONTEXT);

        assertThat(outcome.passed()).as(outcome.describe()).isTrue();
        assertThat(outcome.describe()).isEqualTo("preRollout hook check passed");
        assertThat(Files.readString(directory.resolve("seen.txt")).strip()).isEqualTo("orders 1.0.0 2.0.0 1,2 preRollout full");
        JsonNode context = JSON.readTree(directory.resolve("context.json").toFile());
        assertThat(context.path("rollout").path("to").asText()).isEqualTo("2.0.0");
        assertThat(context.path("schemaState").toString()).isEqualTo("[1,2]");
    }

    @Test
    void aFailingCommandFailsWithItsExitCodeAndTheTailOfItsOutput() throws Exception {
        script("fail.sh", "#!/bin/sh\necho 'no backup since yesterday' >&2\nexit 3\n");
        HookOutcome outcome = runner.run(command("backup", HookSpec.Moment.PRE_ROLLOUT, Duration.ofSeconds(20), "./fail.sh"),
                CONTEXT);
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.describe()).isEqualTo("preRollout hook backup failed: exit code 3 (no backup since yesterday)");
    }

    @Test
    void aHangingCommandIsStoppedWithWhatItStartedAtItsTimeout() throws Exception {
        script("hang.sh", "#!/bin/sh\necho $$ > pid\nsleep 600 &\necho $! > child\nwait\n");
        HookOutcome outcome = runner.run(command("hang", HookSpec.Moment.ON_ABORT, Duration.ofMillis(1500), "./hang.sh"),
                CONTEXT);

        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).startsWith("timed out after 1s500ms");
        for (String file : List.of("pid", "child")) {
            long pid = Long.parseLong(Files.readString(directory.resolve(file)).strip());
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as(file + " " + pid).isFalse();
        }
    }

    @Test
    void aCommandThatCannotStartIsAFailedHookNotAnException() {
        HookOutcome outcome = runner.run(command("missing", HookSpec.Moment.POST_PROMOTION, Duration.ofSeconds(5),
                "./no-such-script"), CONTEXT);
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).startsWith("cannot run " + directory.resolve("no-such-script"));
    }

    @Test
    void anHttpHookPostsTheContextWithItsSecretHeaderAndPassesOn2xx() throws Exception {
        HookOutcome outcome = runner.run(http("gate", receiver.url("/gate").toString(), Duration.ofSeconds(10)), CONTEXT);

        assertThat(outcome.passed()).as(outcome.describe()).isTrue();
        LoopbackReceiver.Received request = receiver.next(Duration.ofSeconds(5));
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.header("X-Token")).isEqualTo("t0ken");
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.path("hook").asText()).isEqualTo("gate");
        assertThat(body.path("moment").asText()).isEqualTo("prePromotion");
        assertThat(body.path("service").asText()).isEqualTo("orders");
    }

    @Test
    void anHttpHookFailsOnAnErrorStatusAndOnATimeout() throws Exception {
        receiver.answer(500);
        HookOutcome refused = runner.run(http("gate", receiver.url("/gate").toString(), Duration.ofSeconds(10)), CONTEXT);
        assertThat(refused.passed()).isFalse();
        assertThat(refused.detail()).isEqualTo("POST " + receiver.url("/gate") + " answered 500");

        receiver.holdRequests();
        HookOutcome hung = runner.run(http("gate", receiver.url("/gate").toString(), Duration.ofMillis(800)), CONTEXT);
        assertThat(hung.passed()).isFalse();
        assertThat(hung.detail()).endsWith("timed out after 800ms");
    }

    @Test
    void aMissingSecretIsARecordedFailure() {
        HookRunner withoutSecrets = new HookRunner(directory, name -> null);
        HookOutcome outcome = withoutSecrets.run(http("gate", receiver.url("/gate").toString(), Duration.ofSeconds(5)),
                CONTEXT);
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("environment variable GATE_TOKEN is not set");
    }

    private void script(String name, String text) throws Exception {
        Path file = directory.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }

    private static HookSpec command(String name, HookSpec.Moment moment, Duration timeout, String program) {
        return new HookSpec(name, moment, new HookSpec.Command(List.of(program), Map.of("LEVEL", "full")), timeout);
    }

    private static HookSpec http(String name, String url, Duration timeout) {
        return new HookSpec(name, HookSpec.Moment.PRE_PROMOTION, new HookSpec.Http(SecretText.literal(url), "POST",
                Map.of("X-Token", new SecretText("${GATE_TOKEN}", "slipway.yaml", 3, 5, "hooks.prePromotion[0].http.headers.X-Token"))),
                timeout);
    }
}
