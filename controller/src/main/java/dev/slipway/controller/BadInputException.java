package dev.slipway.controller;

/** An action asked with input the user must fix (an unknown release, a missing backup file); nothing was changed. The API answers 400. */
public class BadInputException extends IllegalArgumentException {
    public BadInputException(String message) {
        super(message);
    }
}
