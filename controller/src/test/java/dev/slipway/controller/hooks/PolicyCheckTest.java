package dev.slipway.controller.hooks;

import dev.slipway.model.RolloutPolicy;
import dev.slipway.model.SpecException;
import dev.slipway.controller.PolicySpecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What only the controller's machine can tell about a policy is checked at apply time, with the place in the file. */
class PolicyCheckTest {
    @TempDir
    Path specDirectory;

    @Test
    void aHookProgramThatIsMissingOrNotExecutableIsALocatedError() throws Exception {
        RolloutPolicy policy = policy("""
                hooks:
                  onAbort:
                    - name: reset
                      command: [./hooks/reset.sh]
                """);
        assertThatThrownBy(() -> PolicyCheck.check(policy, specDirectory, Map.<String, String>of()::get))
                .isInstanceOf(SpecException.class)
                .hasMessage("slipway.yaml:9:7: hooks.onAbort[0]: onAbort hook reset: " + specDirectory.resolve("hooks/reset.sh")
                        + " does not exist");

        Path script = specDirectory.resolve("hooks/reset.sh");
        Files.createDirectories(script.getParent());
        Files.writeString(script, "#!/bin/sh\n");
        assertThatThrownBy(() -> PolicyCheck.check(policy, specDirectory, Map.<String, String>of()::get))
                .hasMessageEndingWith("reset.sh is not executable (chmod +x)");

        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        assertThatCode(() -> PolicyCheck.check(policy, specDirectory, Map.<String, String>of()::get)).doesNotThrowAnyException();
    }

    @Test
    void aSecretMissingFromTheControllersEnvironmentIsALocatedError() {
        RolloutPolicy policy = policy("""
                hooks:
                  prePromotion:
                    - http: {url: "http://127.0.0.1:9/gate?key=${GATE_KEY}"}
                """);
        assertThatThrownBy(() -> PolicyCheck.check(policy, specDirectory, Map.<String, String>of()::get))
                .hasMessage("slipway.yaml:9:19: hooks.prePromotion[0].http.url: environment variable GATE_KEY is not set"
                        + " in the controller's environment");
        assertThatCode(() -> PolicyCheck.check(policy, specDirectory, Map.of("GATE_KEY", "k")::get)).doesNotThrowAnyException();
    }

    private static RolloutPolicy policy(String sections) {
        return PolicySpecs.parse(sections);
    }
}
