package dev.slipway.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Release 2.0.0 against schema 2, through the {@code public_v2} views: same API, split names. */
class SplitNameReleaseTest {

    private OrdersService service;
    private ApiClient api;

    @BeforeEach
    void start() throws Exception {
        TestDatabases.reset();
        service = OrdersService.start(OrdersVersion.V2,
                OrdersConfig.of(0, TestDatabases.url(TestDatabases.SCHEMA_TWO), "public_v2"));
        api = new ApiClient(service.baseUri());
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void splitsAFullNameAtTheFirstSpace() throws Exception {
        var created = api.post("/customers", "{\"name\":\"Ada King Lovelace\",\"email\":\"ada@example.com\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.version()).isEqualTo("2.0.0");
        assertThat(created.body().path("name").asText()).isEqualTo("Ada King Lovelace");
        assertThat(created.body().path("firstName").asText()).isEqualTo("Ada");
        assertThat(created.body().path("lastName").asText()).isEqualTo("King Lovelace");

        try (Connection connection = TestDatabases.connect(TestDatabases.SCHEMA_TWO);
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT first_name, last_name FROM public.customers")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getString(1)).isEqualTo("Ada");
            assertThat(row.getString(2)).isEqualTo("King Lovelace");
        }
    }

    @Test
    void acceptsNamePartsAndReturnsBothForms() {
        var created = api.post("/customers", "{\"firstName\":\"Grace\",\"lastName\":\"Hopper\"}");
        assertThat(created.status()).isEqualTo(201);

        var fetched = api.get("/customers/" + created.body().path("id").asLong());
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.body().path("name").asText()).isEqualTo("Grace Hopper");
        assertThat(fetched.body().path("firstName").asText()).isEqualTo("Grace");
        assertThat(fetched.body().path("lastName").asText()).isEqualTo("Hopper");
        assertThat(fetched.body().path("email").isNull()).isTrue();
    }

    @Test
    void aSingleWordNameHasAnEmptyLastName() {
        var created = api.post("/customers", "{\"name\":\"Plato\"}");
        assertThat(created.body().path("firstName").asText()).isEqualTo("Plato");
        assertThat(created.body().path("lastName").asText()).isEmpty();
        assertThat(api.get("/customers/" + created.body().path("id").asLong()).body().path("name").asText())
                .isEqualTo("Plato");
    }

    @Test
    void servesOrdersExactlyLikeTheFirstRelease() {
        long customer = api.post("/customers", "{\"name\":\"Ada Lovelace\"}").body().path("id").asLong();
        var order = api.post("/orders", "{\"customerId\":" + customer + ",\"amountCents\":1250}");
        assertThat(order.status()).isEqualTo(201);
        assertThat(api.get("/customers/" + customer + "/orders").body().path("orders")).hasSize(1);
        assertThat(api.post("/orders", "{\"customerId\":999,\"amountCents\":1}").status()).isEqualTo(404);
        assertThat(api.get("/customers").body().path("customers").get(0).path("lastName").asText())
                .isEqualTo("Lovelace");
    }
}
