package dev.slipway.router;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteTableJsonTest {

    @Test
    void aRenderedTableReadsBackEqual() {
        RouteTable table = new RouteTable(
                List.of(new Backend("1.0.0", 90, List.of(new Endpoint("127.0.0.1", 8081), new Endpoint("127.0.0.1", 8082))),
                        new Backend("2.0.0 \"canary\"\n", 10, List.of(new Endpoint("::1", 8083))),
                        new Backend("3.0.0", 0, List.of())),
                List.of(new HeaderRoute("X-Canary", "yes\u00e9\u0001", "2.0.0 \"canary\"\n")));

        assertThat(RouteTableJson.parse(RouteTableJson.render(table))).isEqualTo(table);
    }

    @Test
    void aPreviewRevisionIsWrittenOnlyWhenThereIsOneAndReadsBack() {
        RouteTable plain = new RouteTable(List.of(new Backend("1.0.0", 100, List.of(new Endpoint("127.0.0.1", 8081))),
                new Backend("2.0.0", 0, List.of(new Endpoint("127.0.0.1", 8082)))), List.of());
        RouteTable previewed = plain.withPreview("2.0.0");

        assertThat(RouteTableJson.render(plain)).doesNotContain("previewRevision");
        assertThat(RouteTableJson.render(previewed)).endsWith(",\"previewRevision\":\"2.0.0\"}");
        assertThat(RouteTableJson.parse(RouteTableJson.render(previewed))).isEqualTo(previewed);
        assertThat(RouteTableJson.parse(RouteTableJson.render(plain)).previewRevision()).isEmpty();
        assertRefused("{\"backends\":[],\"previewRevision\":7}", "previewRevision");
    }

    @Test
    void endpointsMayBeObjectsAndMissingListsAreEmpty() {
        String json = """
                { "backends": [ { "revision": "1.0.0", "weight": 1,
                                  "endpoints": [ { "host": "127.0.0.1", "port": 8081 }, "[::1]:8082" ] } ] }
                """;

        assertThat(RouteTableJson.parse(json)).isEqualTo(RouteTable.single(new Backend("1.0.0", 1,
                List.of(new Endpoint("127.0.0.1", 8081), new Endpoint("::1", 8082)))));
    }

    @Test
    void mistakesAreRefusedNamingTheField() {
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":\"ten\",\"endpoints\":[]}]}",
                "backends[0].weight: expected an integer, got \"ten\"");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weigth\":10}]}", "backends[0].weigth: unknown field");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":-1}]}", "backends[0].weight: -1 is negative");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":1.5}]}", "backends[0].weight: expected an integer");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":1,\"endpoints\":[\"127.0.0.1\"]}]}",
                "backends[0].endpoints[0]: \"127.0.0.1\" is not host:port");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":1,\"endpoints\":[\"h:70000\"]}]}",
                "port 70000 is not in 1..65535");
        assertRefused("{\"headerRoutes\":[{\"name\":\"X\",\"value\":null,\"revision\":\"1\"}]}",
                "headerRoutes[0].value: expected a string, got null");
        assertRefused("{\"backends\":[{\"weight\":1}]}", "backends[0].revision: missing");
        assertRefused("[]", "expected an object, got an array");
    }

    @Test
    void malformedJsonIsRefusedWithItsOffset() {
        assertRefused("{\"backends\":[],}", "offset 15: expected a quoted field name");
        assertRefused("{\"backends\":[], \"backends\":[]}", "offset 16: duplicate field \"backends\"");
        assertRefused("{\"backends\":[]} x", "unexpected text after the JSON value");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":01}]}", "leading zero");
        assertRefused("{\"backends\":[", "unexpected end of input");
        assertRefused("{\"backends\":\"a\tb\"}", "control character in string");
        assertRefused("// comment\n{}", "unexpected character '/'");
        assertRefused("[".repeat(100), "nested deeper than 32 levels");
    }

    @Test
    void metricsReadBackWithTheirInfiniteLastBucket() {
        RevisionMetrics metrics = new RevisionMetrics("2.0.0", 10, 7, 1, 1, 1, 2,
                new double[] {5, 12.5, Double.POSITIVE_INFINITY}, new long[] {3, 8, 10});

        RevisionMetrics read = RevisionMetricsJson.parse(RevisionMetricsJson.render(metrics));

        assertThat(read).usingRecursiveComparison().isEqualTo(metrics);
        assertThat(RevisionMetricsJson.render(metrics)).contains("\"latencyBucketsMillis\":[5,12.5,\"+Inf\"]");
    }

    private static void assertRefused(String json, String message) {
        assertThatThrownBy(() -> RouteTableJson.parse(json)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
