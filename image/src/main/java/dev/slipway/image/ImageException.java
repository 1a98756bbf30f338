package dev.slipway.image;

/** A build, variant or patch could not be completed; the message says what and why, for the user. */
public class ImageException extends RuntimeException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
