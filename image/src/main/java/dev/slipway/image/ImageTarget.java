package dev.slipway.image;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a built image goes: pushed to a registry under {@code reference}, or written as a
 * {@code docker save} tar (loadable with {@code docker load}) tagged {@code reference}.
 */
public record ImageTarget(String reference, Optional<Path> archive) {

    public ImageTarget {
        Objects.requireNonNull(reference, "reference");
        archive = archive == null ? Optional.empty() : archive;
        ImageReferences.parse(reference);
    }

    public static ImageTarget registry(String reference) {
        return new ImageTarget(reference, Optional.empty());
    }

    public static ImageTarget dockerArchive(Path archive, String reference) {
        return new ImageTarget(reference, Optional.of(archive));
    }

    public boolean isRegistry() {
        return archive.isEmpty();
    }

    /**
     * The same target for a variant: the tag gets a suffix ("orders:2.0.0" → "orders:2.0.0-pgjdbc-patched"),
     * and an archive file gets the suffix before ".tar".
     */
    public ImageTarget withTagSuffix(String suffix) {
        String variantReference = ImageReferences.withTagSuffix(reference, suffix);
        if (archive.isEmpty()) {
            return registry(variantReference);
        }
        String fileName = archive.get().getFileName().toString();
        String stem = fileName.endsWith(".tar") ? fileName.substring(0, fileName.length() - 4) : fileName;
        return dockerArchive(archive.get().resolveSibling(stem + "-" + suffix + ".tar"), variantReference);
    }
}
