package dev.slipway.controller.store;

/** The store could not be read or written; the action it belonged to did not happen. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
