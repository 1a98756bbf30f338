package dev.slipway.controller;

import dev.slipway.model.RolloutPolicy;
import dev.slipway.model.SpecParser;

/** The rollout policy of a minimal slipway.yaml with the given sections: its line 7 is their first line. */
public final class PolicySpecs {
    private PolicySpecs() {
    }

    public static RolloutPolicy parse(String sections) {
        return SpecParser.parse("slipway.yaml", """
                service: orders
                release:
                  version: 2.0.0
                  run: {command: [java, -jar, orders.jar]}
                  schema: 1
                  strategy: {canary: {steps: [{setWeight: 50}]}}
                """ + sections).policy();
    }
}
