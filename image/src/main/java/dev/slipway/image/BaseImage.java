package dev.slipway.image;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The image an application or patch is put on: nothing (scratch), an image in a registry,
 * or a {@code docker save} tar on disk.
 */
public record BaseImage(Kind kind, Optional<String> reference, Optional<Path> archive) {

    /** Where the base image comes from. */
    public enum Kind { SCRATCH, REGISTRY, DOCKER_ARCHIVE }

    public BaseImage {
        Objects.requireNonNull(kind, "kind");
        reference = reference == null ? Optional.empty() : reference;
        archive = archive == null ? Optional.empty() : archive;
        if (kind == Kind.REGISTRY && reference.isEmpty()) {
            throw new IllegalArgumentException("a registry base image needs a reference");
        }
        if (kind == Kind.DOCKER_ARCHIVE && archive.isEmpty()) {
            throw new IllegalArgumentException("an archive base image needs a file");
        }
    }

    public static BaseImage scratch() {
        return new BaseImage(Kind.SCRATCH, Optional.empty(), Optional.empty());
    }

    /** E.g. {@code 127.0.0.1:5000/jre:17} or {@code eclipse-temurin:17-jre}. */
    public static BaseImage registry(String reference) {
        return new BaseImage(Kind.REGISTRY, Optional.of(reference), Optional.empty());
    }

    /** A {@code docker save} tar (OCI layout directories are not supported by jib-core). */
    public static BaseImage dockerArchive(Path archive) {
        return new BaseImage(Kind.DOCKER_ARCHIVE, Optional.empty(), Optional.of(archive));
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SCRATCH -> "scratch";
            case REGISTRY -> reference.orElseThrow();
            case DOCKER_ARCHIVE -> archive.orElseThrow().toString();
        };
    }
}
