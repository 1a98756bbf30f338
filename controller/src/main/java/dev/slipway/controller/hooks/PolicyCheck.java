package dev.slipway.controller.hooks;

import dev.slipway.controller.notify.WebhookNotifier;
import dev.slipway.model.HookSpec;
import dev.slipway.model.RolloutPolicy;
import dev.slipway.model.SecretText;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * What can be known about a rollout policy only on the controller's machine, checked when the spec is applied:
 * every {@code ${VARIABLE}} is set in the controller's environment, and every hook program exists and may run.
 * Each problem is a located {@link dev.slipway.model.SpecException}; nothing has started when it is thrown.
 */
public final class PolicyCheck {
    private PolicyCheck() {
    }

    /**
     * @param specDirectory what relative hook programs resolve against (the directory of slipway.yaml)
     */
    public static void check(RolloutPolicy policy, Path specDirectory, Function<String, String> environment) {
        WebhookNotifier.checkSecrets(policy.notifications(), environment);
        for (HookSpec hook : policy.hooks()) {
            if (hook.action() instanceof HookSpec.Http http) {
                http.url().resolve(environment);
                http.headers().values().forEach((SecretText header) -> header.resolve(environment));
            } else if (hook.action() instanceof HookSpec.Command command) {
                String program = command.command().get(0);
                if (!program.contains("/")) {
                    continue; // found on PATH when it runs, like release.run.command
                }
                Path file = specDirectory.resolve(program).normalize();
                if (!Files.isRegularFile(file)) {
                    throw hook.position().error(hook.moment().specName() + " hook " + hook.name() + ": " + file
                            + " does not exist");
                }
                if (!Files.isExecutable(file)) {
                    throw hook.position().error(hook.moment().specName() + " hook " + hook.name() + ": " + file
                            + " is not executable (chmod +x)");
                }
            }
        }
    }
}
