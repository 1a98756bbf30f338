package dev.slipway.image;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One variant's change: the dependency {@code artifact} ("groupId:artifactId") replaced either by
 * other coordinates (resolved from a local Maven repository) or by a local jar.
 *
 * @param variantName becomes the tag suffix: "orders:2.0.0" → "orders:2.0.0-pgjdbc-patched"
 */
public record DependencyOverride(String variantName, String artifact, Optional<String> coordinates,
                                 Optional<Path> localJar) {

    public DependencyOverride {
        Objects.requireNonNull(variantName, "variantName");
        Objects.requireNonNull(artifact, "artifact");
        coordinates = coordinates == null ? Optional.empty() : coordinates;
        localJar = localJar == null ? Optional.empty() : localJar;
        if (!variantName.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
            throw new IllegalArgumentException("a variant name must be usable in a tag, got " + variantName);
        }
        if (coordinates.isPresent() == localJar.isPresent()) {
            throw new IllegalArgumentException("override " + artifact + " with either coordinates or a local jar");
        }
    }

    /** E.g. {@code byCoordinates("pgjdbc-patched", "org.postgresql:postgresql:42.6.1-patched")}. */
    public static DependencyOverride byCoordinates(String variantName, String coordinates) {
        JarCoordinates parsed = JarCoordinates.parse(coordinates);
        if (parsed.version().isEmpty()) {
            throw new IllegalArgumentException("override coordinates need a version: " + coordinates);
        }
        return new DependencyOverride(variantName, parsed.artifact(), Optional.of(coordinates), Optional.empty());
    }

    /** E.g. {@code byLocalJar("pgjdbc-patched", "org.postgresql:postgresql", Path.of("postgresql-patched.jar"))}. */
    public static DependencyOverride byLocalJar(String variantName, String artifact, Path jar) {
        return new DependencyOverride(variantName, artifact, Optional.empty(), Optional.of(jar));
    }
}
