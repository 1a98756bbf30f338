package dev.slipway.image;

import java.util.List;

/** A layer position where two images differ, with the files each side's layer holds. */
public record LayerDifference(int index, String name, String originalDigest, String variantDigest,
                              List<String> originalFiles, List<String> variantFiles) {
    public LayerDifference {
        originalFiles = List.copyOf(originalFiles);
        variantFiles = List.copyOf(variantFiles);
    }
}
