package dev.slipway.controller.hooks;

import dev.slipway.model.RolloutPolicy;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The rollout policy in force for a service — the one of the spec applied last — with what acts on it during a
 * rollout: its hooks and its progress deadline. None until {@link #use} is called.
 */
public final class PolicyInForce implements AutoCloseable {
    private final AtomicReference<RolloutPolicy> policy = new AtomicReference<>(RolloutPolicy.none());
    private final AtomicReference<HookRunner> runner;
    private final RolloutHooks hooks;
    private final ProgressWatch progress;

    /** @param failures told about every hook that failed */
    public PolicyInForce(Clock clock, Consumer<HookOutcome> failures) {
        this.runner = new AtomicReference<>(new HookRunner(Path.of("").toAbsolutePath(), System::getenv));
        this.hooks = new RolloutHooks(runner::get, policy::get, failures);
        this.progress = new ProgressWatch(clock, () -> policy.get().progressDeadline());
    }

    /**
     * Makes {@code next} the policy in force: hook programs resolve against {@code specDirectory}, secrets come from
     * {@code environment}.
     */
    public void use(RolloutPolicy next, Path specDirectory, Function<String, String> environment) {
        runner.set(new HookRunner(specDirectory, environment));
        policy.set(next);
    }

    public RolloutPolicy policy() {
        return policy.get();
    }

    public RolloutHooks hooks() {
        return hooks;
    }

    public ProgressWatch progress() {
        return progress;
    }

    @Override
    public void close() {
        hooks.close();
    }
}
