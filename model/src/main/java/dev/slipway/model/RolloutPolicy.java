package dev.slipway.model;

import java.util.List;
import java.util.Optional;

/**
 * How the service's rollouts are watched and gated, beyond their strategy: notifications, hooks and the
 * progress deadline ({@code notifications:}, {@code hooks:} and {@code progressDeadline:} in slipway.yaml).
 */
public record RolloutPolicy(List<NotificationSpec> notifications, List<HookSpec> hooks,
                            Optional<ProgressDeadline> progressDeadline) {

    public RolloutPolicy {
        notifications = List.copyOf(notifications);
        hooks = List.copyOf(hooks);
    }

    public static RolloutPolicy none() {
        return new RolloutPolicy(List.of(), List.of(), Optional.empty());
    }

    /** The hooks of one moment, in the order the spec lists them. */
    public List<HookSpec> hooks(HookSpec.Moment moment) {
        return hooks.stream().filter(hook -> hook.moment() == moment).toList();
    }
}
