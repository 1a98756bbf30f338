package dev.slipway.schema;

import dev.slipway.model.TerminalText;

/**
 * A migration that cannot be parsed, validated or applied. The message is written for the user:
 * {@code 002_split_name.yaml:7:9: operations[0].add_column: missing required field 'table'} or
 * {@code migration 002_split_name.yaml: drop_column customers.full_name: column does not exist (columns: id, email)}.
 * Long quoted values (an expression of a hostile file) are shortened and control characters escaped ({@link TerminalText}).
 */
public class MigrationException extends RuntimeException {
    public MigrationException(String message) {
        super(TerminalText.of(message));
    }

    public MigrationException(String message, Throwable cause) {
        super(TerminalText.of(message), cause);
    }
}
