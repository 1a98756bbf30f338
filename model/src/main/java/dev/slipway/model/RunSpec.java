package dev.slipway.model;

import java.util.List;
import java.util.Map;

/** How to start one replica of a release: the command line and extra environment. */
public record RunSpec(List<String> command, Map<String, String> env) {
    public RunSpec {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }
}
