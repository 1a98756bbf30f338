package dev.slipway.image;

import java.util.Map;
import java.util.Set;

/**
 * Builds a Java application into a layered, reproducible image without a Docker daemon and pushes
 * it to a registry (only the blobs it lacks) or writes it as a {@code docker save} tar.
 * Layer order is documented on {@link #LAYER_ORDER}.
 */
public final class ImageBuilder {
    /** Application layers, in image order (empty ones are left out). */
    public static final java.util.List<String> LAYER_ORDER = java.util.List.of(
            ApplicationLayout.DEPENDENCIES, "dependency <groupId:artifactId> (one per isolated dependency)",
            ApplicationLayout.SNAPSHOT_DEPENDENCIES, ApplicationLayout.RESOURCES, ApplicationLayout.CLASSES);

    private final RegistryAccess access;
    private final ProgressListener progress;

    public ImageBuilder(RegistryAccess access, ProgressListener progress) {
        this.access = access;
        this.progress = progress;
    }

    public ImageBuilder(RegistryAccess access) {
        this(access, ProgressListener.none());
    }

    public ImageResult build(BuildRequest request) {
        ApplicationLayout layout = ApplicationLayout.plan(request);
        JibContainerization.ContainerSettings settings = new JibContainerization.ContainerSettings(
                layout.entrypoint(), request.environment(), Map.of());
        Set<String> mountable = Images.mountableBaseLayers(request.base(), request.target(), access);
        JibContainerization.Outcome outcome = new JibContainerization(access, progress)
                .containerize(request.base(), layout.layers(), settings, request.target(), mountable);
        return Images.describe(request.target(), outcome, access);
    }
}
