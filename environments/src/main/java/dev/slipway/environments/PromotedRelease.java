package dev.slipway.environments;

import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.RunSpec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a promotion applies to the target. The artifact moves — version, command (a jar or an {@code image:}
 * reference, e.g. a patched image variant), schema range and contractAfter — while how the target runs it stays
 * the target's: replicas, health probes and rollout strategy of its current release, and its environment
 * variables, which win over the source's for the names both set. A target without a release yet takes the
 * source's release whole.
 */
public final class PromotedRelease {
    private PromotedRelease() {
    }

    public static ReleaseSpec of(ReleaseSpec source, Optional<ReleaseSpec> target) {
        if (target.isEmpty()) {
            return source;
        }
        ReleaseSpec current = target.get();
        Map<String, String> env = new LinkedHashMap<>(source.run().env());
        env.putAll(current.run().env());
        return new ReleaseSpec(source.version(), new RunSpec(source.run().command(), env), source.schema(),
                current.replicas(), current.health(), current.strategy(), source.contractAfter());
    }
}
