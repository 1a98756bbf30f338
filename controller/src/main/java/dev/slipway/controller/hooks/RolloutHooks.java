package dev.slipway.controller.hooks;

import dev.slipway.model.HookSpec;
import dev.slipway.model.RolloutPolicy;
import dev.slipway.model.support.DaemonThreads;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The hooks of the service's rollout policy at the moments a rollout reaches. The gates — pre-rollout and
 * pre-promotion — run on the caller's thread, in the order the spec lists them, and the first failure is the
 * answer (the rollout acts on it). Post-promotion and on-abort hooks run on a thread of their own, after the fact:
 * their failure is recorded, and a slow one never holds up the controller.
 */
public final class RolloutHooks implements AutoCloseable {
    private final Supplier<HookRunner> runner;
    private final Supplier<RolloutPolicy> policy;
    private final Consumer<HookOutcome> failures;
    private final ExecutorService afterwards = Executors.newSingleThreadExecutor(DaemonThreads.named("slipway-hooks"));

    /**
     * @param runner   what runs a hook (its working directory and secrets belong to the spec applied last)
     * @param policy   the policy in force (the spec applied last), read at each moment
     * @param failures told about every hook that failed, gate or not (timeline, notification)
     */
    public RolloutHooks(Supplier<HookRunner> runner, Supplier<RolloutPolicy> policy, Consumer<HookOutcome> failures) {
        this.runner = runner;
        this.policy = policy;
        this.failures = failures;
    }

    /** Runs the pre-rollout hooks; the first failure, if any, stops the rollout before anything starts. */
    public Optional<HookOutcome> beforeRollout(HookContext context) {
        return gate(HookSpec.Moment.PRE_ROLLOUT, context);
    }

    /** Runs the pre-promotion gate; the first failure, if any, keeps the new release from taking all traffic. */
    public Optional<HookOutcome> beforePromotion(HookContext context) {
        return gate(HookSpec.Moment.PRE_PROMOTION, context);
    }

    /** Queues the post-promotion hooks and returns. */
    public void afterPromotion(HookContext context) {
        later(HookSpec.Moment.POST_PROMOTION, context);
    }

    /** Queues the on-abort hooks and returns; call it once all traffic is back on stable. */
    public void afterAbort(HookContext context) {
        later(HookSpec.Moment.ON_ABORT, context);
    }

    private Optional<HookOutcome> gate(HookSpec.Moment moment, HookContext context) {
        for (HookSpec hook : policy.get().hooks(moment)) {
            HookOutcome outcome = runner.get().run(hook, context);
            if (!outcome.passed()) {
                failures.accept(outcome);
                return Optional.of(outcome);
            }
        }
        return Optional.empty();
    }

    private void later(HookSpec.Moment moment, HookContext context) {
        List<HookSpec> hooks = policy.get().hooks(moment);
        if (hooks.isEmpty()) {
            return;
        }
        afterwards.execute(() -> {
            for (HookSpec hook : hooks) {
                HookOutcome outcome = runner.get().run(hook, context);
                if (!outcome.passed()) {
                    failures.accept(outcome);
                }
            }
        });
    }

    /** Lets queued hooks finish within {@code grace}, then stops them. */
    public void close(Duration grace) {
        afterwards.shutdown();
        try {
            afterwards.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        afterwards.shutdownNow();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
