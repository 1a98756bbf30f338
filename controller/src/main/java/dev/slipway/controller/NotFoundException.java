package dev.slipway.controller;

/** What an action needs does not exist (any more), e.g. a release the store no longer knows. The API answers 404. */
public class NotFoundException extends IllegalStateException {
    public NotFoundException(String message) {
        super(message);
    }
}
