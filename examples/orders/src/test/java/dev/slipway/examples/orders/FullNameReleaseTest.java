package dev.slipway.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Release 1.0.0 against schema 1, through the {@code public_v1} views: the whole API. */
class FullNameReleaseTest {

    private OrdersService service;
    private ApiClient api;

    @BeforeEach
    void start() throws Exception {
        TestDatabases.reset();
        service = OrdersService.start(OrdersVersion.V1,
                OrdersConfig.of(0, TestDatabases.url(TestDatabases.SCHEMA_ONE), "public_v1"));
        api = new ApiClient(service.baseUri());
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void isLiveAndReadyAndSaysWhichReleaseAnswers() {
        var live = api.get("/live");
        assertThat(live.status()).isEqualTo(200);
        assertThat(live.body().path("status").asText()).isEqualTo("live");
        assertThat(live.version()).isEqualTo("1.0.0");

        var ready = api.get("/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body().path("status").asText()).isEqualTo("ready");
        assertThat(ready.body().path("version").asText()).isEqualTo("1.0.0");
    }

    @Test
    void createsACustomerAndReadsItBack() {
        var created = api.post("/customers", "{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.version()).isEqualTo("1.0.0");
        long id = created.body().path("id").asLong();
        assertThat(id).isPositive();
        assertThat(created.body().path("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(created.body().path("email").asText()).isEqualTo("ada@example.com");
        assertThat(created.body().has("firstName")).as("schema 1 knows no first name").isFalse();

        var fetched = api.get("/customers/" + id);
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.body()).isEqualTo(created.body());
    }

    @Test
    void acceptsNamePartsAndStoresTheFullName() {
        var created = api.post("/customers", "{\"firstName\":\"Grace\",\"lastName\":\"Hopper\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(api.get("/customers/" + created.body().path("id").asLong()).body().path("name").asText())
                .isEqualTo("Grace Hopper");
    }

    @Test
    void listsCustomersPageByPage() {
        for (String name : new String[] {"Ada Lovelace", "Grace Hopper", "Alan Turing"}) {
            assertThat(api.post("/customers", "{\"name\":\"" + name + "\"}").status()).isEqualTo(201);
        }
        var firstPage = api.get("/customers?limit=2");
        assertThat(firstPage.status()).isEqualTo(200);
        assertThat(firstPage.body().path("customers")).hasSize(2);
        long lastId = firstPage.body().path("customers").get(1).path("id").asLong();

        var secondPage = api.get("/customers?afterId=" + lastId + "&limit=2");
        assertThat(secondPage.body().path("customers")).hasSize(1);
        assertThat(secondPage.body().path("customers").get(0).path("name").asText()).isEqualTo("Alan Turing");

        assertThat(api.get("/customers").body().path("customers")).hasSize(3);
    }

    @Test
    void placesOrdersAndListsThemPerCustomer() {
        long customer = api.post("/customers", "{\"name\":\"Ada Lovelace\"}").body().path("id").asLong();
        long other = api.post("/customers", "{\"name\":\"Alan Turing\"}").body().path("id").asLong();

        var order = api.post("/orders", "{\"customerId\":" + customer + ",\"amountCents\":1250}");
        assertThat(order.status()).isEqualTo(201);
        assertThat(order.body().path("customerId").asLong()).isEqualTo(customer);
        assertThat(order.body().path("amountCents").asLong()).isEqualTo(1250);
        api.post("/orders", "{\"customerId\":" + customer + ",\"amountCents\":99}");
        api.post("/orders", "{\"customerId\":" + other + ",\"amountCents\":5}");

        var fetched = api.get("/orders/" + order.body().path("id").asLong());
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.body()).isEqualTo(order.body());

        var orders = api.get("/customers/" + customer + "/orders");
        assertThat(orders.status()).isEqualTo(200);
        assertThat(orders.body().path("orders")).extracting(node -> node.path("amountCents").asLong())
                .containsExactly(1250L, 99L);
    }

    @Test
    void unknownCustomersAndOrdersAreNotFound() {
        var customer = api.get("/customers/7");
        assertThat(customer.status()).isEqualTo(404);
        assertThat(customer.error()).isEqualTo("customer 7 not found");

        assertThat(api.get("/orders/7").error()).isEqualTo("order 7 not found");
        assertThat(api.get("/customers/7/orders").status()).isEqualTo(404);

        var order = api.post("/orders", "{\"customerId\":7,\"amountCents\":100}");
        assertThat(order.status()).isEqualTo(404);
        assertThat(order.error()).isEqualTo("customer 7 not found");
    }

    @Test
    void refusesBadRequestsWithAClearMessage() {
        var blank = api.post("/customers", "{\"name\":\"  \",\"email\":\"x@example.com\"}");
        assertThat(blank.status()).isEqualTo(400);
        assertThat(blank.error()).contains("name is required");

        var missing = api.post("/customers", "{}");
        assertThat(missing.status()).isEqualTo(400);

        var malformed = api.post("/customers", "{\"name\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.error()).startsWith("malformed JSON");

        assertThat(api.post("/customers", "[1,2]").status()).isEqualTo(400);
        assertThat(api.post("/customers", "{\"name\":42}").error()).isEqualTo("name: must be a string, got 42");
        assertThat(api.post("/orders", "{\"customerId\":1}").error()).isEqualTo("amountCents is required");
        assertThat(api.post("/orders", "{\"customerId\":1,\"amountCents\":1.5}").status()).isEqualTo(400);
        assertThat(api.get("/customers/abc").status()).isEqualTo(400);
        assertThat(api.get("/customers?limit=0").status()).isEqualTo(400);
    }

    @Test
    void unknownRoutesAreNotFoundAndWrongMethodsAreNotAllowed() {
        var unknown = api.get("/invoices");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.version()).isEqualTo("1.0.0");

        var wrongMethod = api.send("DELETE", "/customers/1");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.allow()).isEqualTo("GET");
        assertThat(api.send("PUT", "/orders").status()).isEqualTo(405);
    }

    @Test
    void keepsServingOverOneKeepAliveConnection() {
        // java.net.http reuses its connection; a wrong Content-Length would break the next request.
        for (int i = 0; i < 50; i++) {
            assertThat(api.get(i % 2 == 0 ? "/live" : "/customers/999").status()).isIn(200, 404);
        }
    }
}
