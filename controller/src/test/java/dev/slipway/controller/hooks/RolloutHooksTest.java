package dev.slipway.controller.hooks;

import dev.slipway.controller.PolicySpecs;
import dev.slipway.model.RolloutPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Gates answer on the caller's thread and stop at the first failure; after-the-fact hooks only get recorded. */
class RolloutHooksTest {
    private static final HookContext CONTEXT = new HookContext("orders", 3, Optional.of("1.0.0"), "2.0.0",
            new TreeSet<>(Set.of(1)), Optional.empty());

    @TempDir
    Path directory;
    private final BlockingQueue<HookOutcome> failures = new LinkedBlockingQueue<>();

    @Test
    void theFirstFailingPreRolloutHookIsTheAnswerAndTheNextOnesDoNotRun() throws Exception {
        script("ok.sh", "touch ran-ok");
        script("no.sh", "echo 'migration 2 is not applied' >&2; exit 1");
        script("never.sh", "touch ran-never");
        RolloutPolicy policy = PolicySpecs.parse("""
                hooks:
                  preRollout:
                    - {name: ok, command: [./ok.sh]}
                    - {name: no, command: [./no.sh]}
                    - {name: never, command: [./never.sh]}
                """);
        try (RolloutHooks hooks = new RolloutHooks(() -> new HookRunner(directory, name -> null), () -> policy, failures::add)) {
            Optional<HookOutcome> refused = hooks.beforeRollout(CONTEXT);

            assertThat(refused).map(HookOutcome::describe)
                    .contains("preRollout hook no failed: exit code 1 (migration 2 is not applied)");
            assertThat(directory.resolve("ran-ok")).exists();
            assertThat(directory.resolve("ran-never")).doesNotExist();
            assertThat(failures).hasSize(1);
            assertThat(hooks.beforePromotion(CONTEXT)).as("no prePromotion hooks: the gate is open").isEmpty();
        }
    }

    @Test
    void anOnAbortHookRunsAfterTheCallReturnsAndItsFailureIsRecorded() throws Exception {
        Path release = directory.resolve("release");
        script("slow-fail.sh", "while [ ! -f release ]; do sleep 0.05; done; echo \"$SLIPWAY_REASON\" > reason; exit 4");
        RolloutPolicy policy = PolicySpecs.parse("""
                hooks:
                  onAbort:
                    - {name: undo-flags, command: [./slow-fail.sh], timeout: 30s}
                """);
        try (RolloutHooks hooks = new RolloutHooks(() -> new HookRunner(directory, name -> null), () -> policy, failures::add)) {
            hooks.afterAbort(new HookContext("orders", 3, Optional.of("1.0.0"), "2.0.0", new TreeSet<>(Set.of(1)),
                    Optional.of("analysis failed")));
            // the call returned while the hook still waits for the release file: it runs on its own thread
            Files.writeString(release, "");
            HookOutcome failed = failures.poll(30, TimeUnit.SECONDS);
            assertThat(failed).isNotNull();
            assertThat(failed.describe()).isEqualTo("onAbort hook undo-flags failed: exit code 4");
            assertThat(Files.readString(directory.resolve("reason")).strip()).isEqualTo("analysis failed");
        }
    }

    private void script(String name, String body) throws Exception {
        Path file = directory.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }

}
