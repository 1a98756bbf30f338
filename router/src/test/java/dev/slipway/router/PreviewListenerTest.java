package dev.slipway.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;

import static dev.slipway.router.Http.backend;
import static dev.slipway.router.Http.revisionOf;
import static org.assertj.core.api.Assertions.assertThat;

/** Blue-green's preview listener: a second port whose requests all go to the table's preview revision. */
class PreviewListenerTest {

    private static final String TOKEN = "preview-token";

    private final TestUpstream blue = TestUpstream.start("blue");
    private final TestUpstream green = TestUpstream.start("green");
    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback().withPreview("127.0.0.1", 0), TOKEN);
    private final Http service = new Http(router.address());
    private final Http preview = new Http(router.previewAddress().orElseThrow());

    @AfterEach
    void stop() {
        router.close();
        blue.close();
        green.close();
    }

    /** Blue serves everyone; green, at full size but weight 0, waits for promotion. */
    private static RouteTable blueServesGreenWaits(TestUpstream blue, TestUpstream green) {
        return new RouteTable(List.of(backend("1.0.0", 100, blue), backend("2.0.0", 0, green)), List.of());
    }

    @Test
    void everythingOnThePreviewListenerGoesToThePreviewRevisionOnly() {
        router.route(blueServesGreenWaits(blue, green).withPreview("2.0.0"));

        for (int i = 0; i < 20; i++) {
            HttpResponse<String> previewed = preview.get("/");
            assertThat(previewed.statusCode()).isEqualTo(200);
            assertThat(previewed.body()).isEqualTo("green");
            assertThat(revisionOf(previewed)).isEqualTo("2.0.0");
            assertThat(service.get("/").body()).as("the service port keeps its weights").isEqualTo("blue");
        }
        // Both counted by the time their answers arrived (MetricsTest.aResponseTheClientHasIsAlreadyCounted).
        assertThat(router.metrics("2.0.0").requests()).isEqualTo(20);
        assertThat(router.metrics("1.0.0").requests()).isEqualTo(20);
    }

    @Test
    void withoutAPreviewRevisionThePreviewListenerAnswers503AndSaysWhy() {
        router.route(blueServesGreenWaits(blue, green));

        HttpResponse<String> response = preview.get("/");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("{\"error\":\"no preview revision: no release is waiting for promotion\"}");
        assertThat(service.get("/").body()).isEqualTo("blue");
        assertThat(blue.requestCount() + green.requestCount()).as("nothing reached an upstream from the preview port")
                .isEqualTo(1);
    }

    @Test
    void aPreviewRevisionThatCannotAnswerIsNeverReplacedByTheStableOne() {
        router.route(new RouteTable(List.of(backend("1.0.0", 100, blue),
                new Backend("2.0.0", 0, List.of(Http.closedEndpoint()))), List.of()).withPreview("2.0.0"));

        HttpResponse<String> response = preview.get("/");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(blue.requestCount()).isZero();
    }

    @Test
    void thePreviewRevisionTravelsThroughTheAdminPort() {
        try (RemoteRouter remote = RemoteRouter.connect(URI.create("http://127.0.0.1:" + router.adminAddress().getPort()),
                TOKEN, router.address(), router.previewAddress().orElseThrow())) {
            RouteTable table = blueServesGreenWaits(blue, green).withPreview("2.0.0");
            remote.route(table);

            assertThat(remote.routes()).isEqualTo(table);
            assertThat(preview.get("/").body()).isEqualTo("green");

            remote.route(blueServesGreenWaits(blue, green));
            assertThat(remote.routes().previewRevision()).isEmpty();
            assertThat(preview.get("/").statusCode()).isEqualTo(503);
        }
    }
}
