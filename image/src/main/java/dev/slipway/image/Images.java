package dev.slipway.image;

import java.util.HashSet;
import java.util.Set;

/** Reading back what was built, shared by the builders. */
final class Images {
    private Images() {
    }

    /** Reads the stored image back (registry or tar) for its layer list. */
    static StoredImage read(ImageTarget target, String digest, RegistryAccess access) {
        if (target.isRegistry()) {
            return new RegistryClient(access).image(target.reference());
        }
        return DockerArchive.open(target.archive().orElseThrow(), digest);
    }

    static StoredImage read(BaseImage base, RegistryAccess access) {
        return switch (base.kind()) {
            case REGISTRY -> new RegistryClient(access).image(base.reference().orElseThrow());
            case DOCKER_ARCHIVE -> DockerArchive.open(base.archive().orElseThrow(), "");
            case SCRATCH -> throw new ImageException("scratch has no stored image to read");
        };
    }

    static ImageResult describe(ImageTarget target, JibContainerization.Outcome outcome, RegistryAccess access) {
        StoredImage stored = read(target, outcome.digest(), access);
        return new ImageResult(target.reference(), outcome.digest(), outcome.imageId(), stored.layers(), outcome.bytesPushed());
    }

    /**
     * Base layers the registry can mount into the target repository instead of receiving them:
     * those of a base image on the same registry. Jib reports them as pushed; no bytes travel.
     */
    static Set<String> mountableBaseLayers(BaseImage base, ImageTarget target, RegistryAccess access) {
        if (base.kind() != BaseImage.Kind.REGISTRY || !target.isRegistry()) {
            return Set.of();
        }
        String baseRegistry = ImageReferences.registry(base.reference().orElseThrow());
        if (!baseRegistry.equals(ImageReferences.registry(target.reference()))) {
            return Set.of();
        }
        Set<String> digests = new HashSet<>();
        for (LayerSummary layer : read(base, access).rawLayers()) {
            digests.add(layer.digest());
        }
        return digests;
    }
}
