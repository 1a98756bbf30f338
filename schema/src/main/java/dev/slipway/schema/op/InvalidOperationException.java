package dev.slipway.schema.op;

/**
 * Raised by {@link Operation#validate} when an operation does not fit the schema it would run against.
 * The message is only the problem ("column does not exist (columns: id, email)"); the engine prefixes the
 * migration file and the operation.
 */
public class InvalidOperationException extends RuntimeException {
    public InvalidOperationException(String problem) {
        super(problem);
    }
}
