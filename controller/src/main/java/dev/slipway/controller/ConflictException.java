package dev.slipway.controller;

/**
 * An action that makes no sense in the state the service is in ("no rollout is in progress", "a rollout of 2.0.0 is
 * in progress"); nothing was changed. The API answers 409.
 */
public class ConflictException extends IllegalStateException {
    public ConflictException(String message) {
        super(message);
    }
}
