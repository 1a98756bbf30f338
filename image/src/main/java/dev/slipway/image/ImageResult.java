package dev.slipway.image;

import java.util.List;

/**
 * A built image as it was stored.
 *
 * @param digest the manifest digest ("sha256:…"): same input, same digest
 * @param layers all layers in manifest order, base layers first
 * @param bytesPushed compressed bytes uploaded to the registry (blobs it lacked); 0 for a tar
 */
public record ImageResult(String reference, String digest, String imageId, List<LayerSummary> layers, long bytesPushed) {
    public ImageResult {
        layers = List.copyOf(layers);
    }

    public List<String> layerNames() {
        return layers.stream().map(LayerSummary::name).toList();
    }
}
