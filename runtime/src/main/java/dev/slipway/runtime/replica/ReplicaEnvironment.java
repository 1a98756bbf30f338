package dev.slipway.runtime.replica;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a replica process inherits of the controller's environment: only what a program needs to run at all —
 * {@code PATH}, {@code HOME}, {@code USER}, {@code LOGNAME}, {@code SHELL}, {@code LANG}, {@code LANGUAGE},
 * {@code LC_*}, {@code TZ}, {@code TMPDIR} and {@code JAVA_HOME}. Everything else the controller was started with
 * (cloud credentials, {@code PGPASSWORD}, tokens of the shell that ran {@code slipway up}) stays with the controller;
 * a replica gets on top the release's {@code run.env} and Slipway's own variables ({@code PORT}, {@code HOST},
 * {@code DATABASE_*}). Containers (the docker runtime) inherit nothing of the host: the image's own environment,
 * {@code run.env} and Slipway's variables.
 */
public final class ReplicaEnvironment {
    private static final Set<String> INHERITED = Set.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE",
            "TZ", "TMPDIR", "JAVA_HOME");

    private ReplicaEnvironment() {
    }

    /** The part of {@code controllerEnvironment} a replica process starts with. */
    public static Map<String, String> inherited(Map<String, String> controllerEnvironment) {
        Map<String, String> inherited = new TreeMap<>();
        controllerEnvironment.forEach((name, value) -> {
            if (INHERITED.contains(name) || name.startsWith("LC_")) {
                inherited.put(name, value);
            }
        });
        return inherited;
    }
}
