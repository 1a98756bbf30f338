package dev.slipway.image;

/**
 * One layer of a built image, in manifest order.
 *
 * @param name the layer's name from the image history ("dependencies", "classes", "patch"),
 *             or "base" for a base layer without one
 * @param digest the compressed blob's digest ("sha256:…")
 * @param size the compressed blob's size in bytes
 */
public record LayerSummary(String name, String digest, long size) {
}
