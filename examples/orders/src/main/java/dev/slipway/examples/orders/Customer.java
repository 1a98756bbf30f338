package dev.slipway.examples.orders;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A customer as the API shows it. {@code firstName} and {@code lastName} are only known to
 * releases that read schema 2; releases that read schema 1 leave them null and they are left
 * out of the JSON.
 */
public record Customer(
        long id,
        String name,
        @JsonInclude(JsonInclude.Include.NON_NULL) String firstName,
        @JsonInclude(JsonInclude.Include.NON_NULL) String lastName,
        String email) {
}
