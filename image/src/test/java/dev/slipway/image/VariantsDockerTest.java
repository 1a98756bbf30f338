package dev.slipway.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testkit.TestRegistry;
import dev.slipway.testkit.TestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof for variants: two images from one tree, one with a locally patched library jar; the
 * manifests differ in exactly that library's layer; both run in Docker and answer, the patched
 * one with the patched behaviour. Also: a second push of the same build uploads nothing.
 */
class VariantsDockerTest {
    @TempDir
    Path work;

    @Test
    void variantsDifferInOneLayerAndBothRunWithTheirOwnLibrary() throws Exception {
        TestServices.requireDockerEngine();
        try (TestRegistry registry = TestRegistry.start(work)) {
            RegistryAccess access = RegistryAccess.insecureLoopback();
            String jre = registry.reference("jre:17");
            TestBaseImages.jre(ImageTarget.registry(jre), access);

            Path sources = work.resolve("src");
            Path library = TestApplications.libraryJar(sources, "1.0", "original");
            Path helper = TestApplications.helperJar(sources, "2.0");
            Path classes = TestApplications.applicationClasses(sources, List.of(library, helper));
            Path patched = TestApplications.libraryJar(work.resolve("patched"), "1.0", "patched");
            BuildRequest original = BuildRequest.of(BaseImage.registry(jre),
                    Application.classesDirectory(classes, List.of(helper, library), TestApplications.MAIN_CLASS),
                    ImageTarget.registry(registry.reference("orders:2.0.0")));

            List<ProgressUpdate> progress = new CopyOnWriteArrayList<>();
            VariantsResult result = new VariantBuilder(access, progress::add).build(VariantRequest.of(original,
                    List.of(DependencyOverride.byLocalJar("greeting-patched", TestApplications.LIBRARY_ARTIFACT, patched))));

            VariantResult variant = result.variants().get(0);
            assertThat(variant.verified()).isTrue();
            LayerDifference difference = variant.comparison().differingLayers().get(0);
            System.out.printf("variant %s differs from %s in layer %d '%s': %s → %s, files %s; config differs: %s%n",
                    variant.image().reference(), result.original().reference(), difference.index(), difference.name(),
                    difference.originalDigest(), difference.variantDigest(), difference.variantFiles(),
                    variant.comparison().configDiffers());
            assertThat(difference.variantFiles()).containsExactly("/app/libs/greeting-1.0.jar");
            assertThat(variant.image().bytesPushed()).isLessThan(difference.variantFiles().size() * 10_000L);
            assertThat(progress).isNotEmpty();
            assertThat(progress.get(progress.size() - 1).fractionDone()).isGreaterThan(0.99);

            assertThat(runAndAsk(result.original().reference())).isEqualTo("greeting: original");
            assertThat(runAndAsk(variant.image().reference())).isEqualTo("greeting: patched");

            ImageResult again = new ImageBuilder(access).build(original.withIsolatedDependencies(
                    List.of(TestApplications.LIBRARY_ARTIFACT)));
            assertThat(again.digest()).isEqualTo(result.original().digest());
            assertThat(again.bytesPushed()).isZero();
        }
    }

    /** Pulls the image from the loopback registry, runs it with host networking and returns its answer. */
    private static String runAndAsk(String reference) throws Exception {
        TestServices.runOrFail(List.of("docker", "pull", "-q", reference), 120);
        int port = TestServices.freePort();
        String container = "slipway-image-test-" + port;
        TestServices.runOrFail(List.of("docker", "run", "-d", "--rm", "--name", container, "--network", "host",
                "-e", "PORT=" + port, reference), 60);
        try {
            HttpClient client = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    return response.body();
                } catch (java.io.IOException notYet) {
                    Thread.sleep(200);
                }
            }
            throw new AssertionError(reference + " did not answer: " + TestServices.run(List.of("docker", "logs", container), 10).output());
        } finally {
            TestServices.run(List.of("docker", "rm", "-f", container), 30);
            TestServices.run(List.of("docker", "rmi", "-f", reference), 30);
        }
    }
}
