package dev.slipway.image;

import java.util.List;

/** The original image and every variant built from the same source. */
public record VariantsResult(ImageResult original, List<VariantResult> variants) {
    public VariantsResult {
        variants = List.copyOf(variants);
    }

    public boolean allVerified() {
        return variants.stream().allMatch(VariantResult::verified);
    }
}
