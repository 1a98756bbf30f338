package dev.slipway.image;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A thin patch: the files of {@code sourceDirectory}, which stands for {@code imageDirectory} in the
 * image, compared with the fixed {@code base}; only those that differ go into one new layer.
 *
 * @param owner owner for every patched file; empty keeps the owner the path (or its nearest
 *              existing parent) has in the base image
 */
public record PatchRequest(BaseImage base, Path sourceDirectory, String imageDirectory, ImageTarget target,
                           Optional<FileOwner> owner) {

    public PatchRequest {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(sourceDirectory, "sourceDirectory");
        Objects.requireNonNull(target, "target");
        imageDirectory = ImagePaths.normalize(imageDirectory == null ? "/app" : imageDirectory);
        owner = owner == null ? Optional.empty() : owner;
        if (base.kind() == BaseImage.Kind.SCRATCH) {
            throw new IllegalArgumentException("a patch needs a base image to compare with, not scratch");
        }
    }

    public static PatchRequest of(BaseImage base, Path sourceDirectory, String imageDirectory, ImageTarget target) {
        return new PatchRequest(base, sourceDirectory, imageDirectory, target, Optional.empty());
    }
}
