package dev.slipway.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The name split rule shared by the API and schema migration 002. */
class NewCustomerTest {

    @Test
    void splitsAtTheFirstSpace() {
        assertThat(NewCustomer.fromName("  Ada King Lovelace ", null))
                .isEqualTo(new NewCustomer("Ada King Lovelace", "Ada", "King Lovelace", null));
    }

    @Test
    void aSingleWordIsAFirstName() {
        assertThat(NewCustomer.fromName("Plato", "p@example.com"))
                .isEqualTo(new NewCustomer("Plato", "Plato", "", "p@example.com"));
    }

    @Test
    void joinsPartsSkippingAnEmptyOne() {
        assertThat(NewCustomer.fromParts("Grace", "Hopper", null).name()).isEqualTo("Grace Hopper");
        assertThat(NewCustomer.fromParts(null, "Hopper", null).name()).isEqualTo("Hopper");
        assertThat(NewCustomer.fromParts("Grace", " ", null).name()).isEqualTo("Grace");
    }
}
