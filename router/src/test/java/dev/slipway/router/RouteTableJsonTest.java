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
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":10,\"wieght\":10}]}",
                "backends[0].wieght: unknown field (expected one of [endpoints, revision, weight])");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weigth\":10}]}", "backends[0].weight: missing");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":-1}]}", "backends[0].weight: -1 is negative");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":1.5}]}", "backends[0].weight: expected an integer, got 1.5");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":3000000000}]}", "backends[0].weight: Numeric value (3000000000) out of range of int");
        assertRefused("{\"backends\":[{\"revision\":1,\"weight\":1}]}", "backends[0].revision: expected a string, got 1");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":true}]}", "backends[0].weight: expected an integer, got true");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":1,\"endpoints\":[\"127.0.0.1\"]}]}",
                "backends[0].endpoints[0]: \"127.0.0.1\" is not host:port");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":1,\"endpoints\":[\"h:70000\"]}]}",
                "port 70000 is not in 1..65535");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":1,\"endpoints\":[{\"host\":\"h\"}]}]}",
                "backends[0].endpoints[0].port: missing");
        assertRefused("{\"headerRoutes\":[{\"name\":\"X\",\"value\":null,\"revision\":\"1\"}]}",
                "headerRoutes[0].value: expected a string, got null");
        assertRefused("{\"backends\":[{\"weight\":1}]}", "backends[0].revision: missing");
        assertRefused("{\"backends\":{}}", "backends: expected an array, got an object");
        assertRefused("[]", "expected an object, got an array");
    }

    @Test
    void malformedJsonIsRefusedWithItsOffset() {
        assertRefused("{\"backends\":[],}", "invalid JSON at offset 15: Unexpected character ('}'");
        assertRefused("{\"backends\":[], \"backends\":[]}", "Duplicate field 'backends'");
        assertRefused("{\"backends\":[]} x", "Unrecognized token 'x'");
        assertRefused("{\"backends\":[]} {}", "offset 16: unexpected text after the value");
        assertRefused("{\"backends\":[{\"revision\":\"1\",\"weight\":01}]}", "Leading zeroes not allowed");
        assertRefused("{\"backends\":[", "Unexpected end-of-input");
        assertRefused("{\"backends\":\"a\tb\"}", "Illegal unquoted character");
        assertRefused("// comment\n{}", "Unexpected character ('/'");
        assertRefused("{\"backends\":[{\"revision\":'1',\"weight\":1}]}", "Unexpected character");
        assertRefused("{\"backends\":[], \"deep\":" + "[".repeat(100), "nesting depth (33) exceeds the maximum allowed (32");
        assertRefused("", "expected an object, got nothing");
    }

    @Test
    void metricsReadBackWithTheirInfiniteLastBucket() {
        RevisionMetrics metrics = new RevisionMetrics("2.0.0", 10, 7, 1, 1, 1, 2,
                new double[] {5, 12.5, Double.POSITIVE_INFINITY}, new long[] {3, 8, 10});

        RevisionMetrics read = RevisionMetricsJson.parse(RevisionMetricsJson.render(metrics));

        assertThat(read).usingRecursiveComparison().isEqualTo(metrics);
        assertThat(RevisionMetricsJson.render(metrics)).contains("\"latencyBucketsMillis\":[5,12.5,\"+Inf\"]");
    }

    @Test
    void theStateFileReadsBackAndRefusesWhatItNeverWrites() {
        RouterStateFile state = new RouterStateFile(42, new java.net.InetSocketAddress("127.0.0.1", 8080),
                new java.net.InetSocketAddress("::1", 9090), java.nio.file.Path.of("/tmp/router.token"), null);

        assertThat(state.render()).isEqualTo("{\"pid\":42,\"listen\":\"127.0.0.1:8080\",\"admin\":\"[0:0:0:0:0:0:0:1]:9090\","
                + "\"tokenFile\":\"/tmp/router.token\"}\n");
        assertThat(RouterStateFile.parse(state.render())).isEqualTo(state);
        assertThatThrownBy(() -> RouterStateFile.parse("{\"pid\":1,\"listen\":\"h:1\",\"admin\":\"h:2\",\"pid\":2}"))
                .hasMessageContaining("Duplicate field 'pid'");
        assertThatThrownBy(() -> RouterStateFile.parse("{\"pid\":1,\"listen\":\"h:1\",\"admin\":\"h:2\",\"user\":\"x\"}"))
                .hasMessageContaining("user: unknown field");
        assertThatThrownBy(() -> RouterStateFile.parse("{\"pid\":1,\"listen\":\"h:1\"}")).hasMessage("admin: missing");
        assertThatThrownBy(() -> RevisionMetricsJson.parse("{\"revision\":\"a\",\"requests\":1,\"status2xx\":1,"
                + "\"status3xx\":0,\"status4xx\":0,\"status5xx\":0,\"upstreamErrors\":0,"
                + "\"latencyBucketsMillis\":[1,\"Inf\"],\"latencyCounts\":[1,1]}"))
                .hasMessageContaining("latencyBucketsMillis[1]: expected a number or \"+Inf\", got \"Inf\"");
    }

    private static void assertRefused(String json, String message) {
        assertThatThrownBy(() -> RouteTableJson.parse(json)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
