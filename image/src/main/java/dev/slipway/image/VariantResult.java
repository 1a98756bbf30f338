package dev.slipway.image;

import java.util.List;

/**
 * One variant: its image, how it differs from the original, and what its override did to the
 * dependency graph beyond the overridden library (empty when nothing else changed).
 */
public record VariantResult(String name, DependencyOverride override, ImageResult image, ManifestComparison comparison,
                            List<String> dependencyGraphChanges) {
    public VariantResult {
        dependencyGraphChanges = List.copyOf(dependencyGraphChanges);
    }

    /** The proof variants promise: only the overridden library's layer (plus config and manifest) differs. */
    public boolean verified() {
        return comparison.differsInExactlyOneLayer()
                && comparison.differingLayers().get(0).name().equals(ApplicationLayout.isolatedLayerName(override.artifact()));
    }
}
