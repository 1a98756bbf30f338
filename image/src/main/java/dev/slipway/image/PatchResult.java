package dev.slipway.image;

import java.util.List;

/**
 * What a patch did: the image (base layers + 1), and the image paths added, changed and deleted.
 *
 * @param deleted every deleted path; each deleted subtree costs a single whiteout
 * @param baseLayerCount layers of the base image; the patched image has one more
 */
public record PatchResult(ImageResult image, List<String> added, List<String> changed, List<String> deleted,
                          int baseLayerCount) {
    public PatchResult {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        deleted = List.copyOf(deleted);
    }

    public long bytesPushed() {
        return image.bytesPushed();
    }
}
