package dev.slipway.image;

/**
 * A progress report while an image is built and pushed.
 *
 * @param step what jib is doing ("pushing blob sha256:…", "building application layers")
 * @param fractionDone overall progress, 0.0 to 1.0
 */
public record ProgressUpdate(String step, double fractionDone) {
}
