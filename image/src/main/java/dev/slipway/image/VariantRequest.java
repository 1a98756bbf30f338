package dev.slipway.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The original build plus one override per variant.
 *
 * @param localRepository the Maven repository coordinates-based overrides are resolved from (~/.m2/repository)
 */
public record VariantRequest(BuildRequest original, List<DependencyOverride> overrides, Path localRepository) {

    public VariantRequest {
        Objects.requireNonNull(original, "original");
        overrides = List.copyOf(overrides);
        localRepository = localRepository == null
                ? Path.of(System.getProperty("user.home"), ".m2", "repository") : localRepository;
        if (overrides.isEmpty()) {
            throw new IllegalArgumentException("variants need at least one dependency override");
        }
    }

    public static VariantRequest of(BuildRequest original, List<DependencyOverride> overrides) {
        return new VariantRequest(original, overrides, null);
    }
}
