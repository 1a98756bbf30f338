package dev.slipway.router;

import java.util.List;
import java.util.Optional;

/**
 * The whole routing state of a service at one moment: immutable, swapped atomically.
 *
 * @param previewRevision the revision that gets everything arriving on the router's preview listener (blue-green:
 *                        the release waiting for promotion); it must be one of {@code backends}, usually with
 *                        weight 0. Empty: the preview listener answers 503.
 */
public record RouteTable(List<Backend> backends, List<HeaderRoute> headerRoutes, Optional<String> previewRevision) {
    public RouteTable {
        backends = List.copyOf(backends);
        headerRoutes = List.copyOf(headerRoutes);
        previewRevision = previewRevision == null ? Optional.empty() : previewRevision;
    }

    /** A table without a preview revision. */
    public RouteTable(List<Backend> backends, List<HeaderRoute> headerRoutes) {
        this(backends, headerRoutes, Optional.empty());
    }

    public static RouteTable single(Backend backend) {
        return new RouteTable(List.of(backend), List.of());
    }

    /** This table with {@code revision} behind the preview listener. */
    public RouteTable withPreview(String revision) {
        return new RouteTable(backends, headerRoutes, Optional.of(revision));
    }
}
