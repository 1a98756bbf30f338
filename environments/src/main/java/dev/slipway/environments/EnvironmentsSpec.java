package dev.slipway.environments;

import java.util.List;
import java.util.Optional;

/** The environments of one service, in the order the file lists them (usually test before prod). */
public record EnvironmentsSpec(String file, String service, List<Environment> environments) {
    public EnvironmentsSpec {
        environments = List.copyOf(environments);
    }

    public Optional<Environment> environment(String name) {
        return environments.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** The environment or an error that lists the known ones. */
    public Environment require(String name) {
        return environment(name).orElseThrow(() -> new IllegalArgumentException(file + ": no environment '" + name
                + "' (known: " + String.join(", ", environments.stream().map(Environment::name).toList()) + ")"));
    }
}
