package dev.slipway.examples.orders;

/** An order as the API shows it. */
public record Order(long id, long customerId, long amountCents) {
}
