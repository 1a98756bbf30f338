package dev.slipway.image;

import java.util.List;

/**
 * Two images' manifests compared layer by layer (by blob digest).
 *
 * @param layerCountsDiffer the images do not even have the same number of layers
 * @param configDiffers the config blobs differ (expected for variants: the classpath names the jar)
 */
public record ManifestComparison(List<LayerDifference> differingLayers, boolean layerCountsDiffer, boolean configDiffers) {
    public ManifestComparison {
        differingLayers = List.copyOf(differingLayers);
    }

    public boolean differsInExactlyOneLayer() {
        return !layerCountsDiffer && differingLayers.size() == 1;
    }
}
