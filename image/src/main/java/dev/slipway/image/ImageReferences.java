package dev.slipway.image;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;

/** Parses image references ("127.0.0.1:5000/orders:2.0.0") with jib's rules, keeping jib types inside. */
final class ImageReferences {
    private ImageReferences() {
    }

    static ImageReference parse(String reference) {
        try {
            return ImageReference.parse(reference);
        } catch (InvalidImageReferenceException e) {
            throw new ImageException("not an image reference: " + reference, e);
        }
    }

    static String registry(String reference) {
        return parse(reference).getRegistry();
    }

    /** "orders:2.0.0" + "pgjdbc-patched" → "orders:2.0.0-pgjdbc-patched". */
    static String withTagSuffix(String reference, String suffix) {
        ImageReference parsed = parse(reference);
        String tag = parsed.getTag().orElse("latest");
        int slash = reference.lastIndexOf('/');
        int colon = reference.lastIndexOf(':');
        String withoutTag = colon > slash ? reference.substring(0, colon) : reference;
        return withoutTag + ":" + tag + "-" + suffix;
    }
}
