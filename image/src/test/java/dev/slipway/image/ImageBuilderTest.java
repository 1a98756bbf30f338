package dev.slipway.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds written to docker-save tars: no registry, no daemon. */
class ImageBuilderTest {
    @TempDir
    Path work;

    @Test
    void theSameInputGivesTheSameDigestEvenWithOtherFileTimesAndPaths() throws Exception {
        BuildRequest first = sampleRequest(work.resolve("first"), work.resolve("first.tar"));
        BuildRequest second = sampleRequest(work.resolve("second"), work.resolve("second.tar"));
        try (var files = Files.walk(work.resolve("second"))) {
            for (Path file : files.toList()) {
                Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 86_400_000L));
            }
        }

        ImageResult one = new ImageBuilder(RegistryAccess.standard()).build(first);
        ImageResult two = new ImageBuilder(RegistryAccess.standard()).build(second);

        assertThat(two.digest()).isEqualTo(one.digest());
        assertThat(two.layers()).isEqualTo(one.layers());
    }

    @Test
    void layersComeInTheDocumentedOrderWithTheirFiles() throws Exception {
        ImageResult result = new ImageBuilder(RegistryAccess.standard())
                .build(sampleRequest(work.resolve("app"), work.resolve("app.tar")));

        assertThat(result.layerNames()).containsExactly("dependencies", "snapshot-dependencies", "resources", "classes");
        StoredImage stored = DockerArchive.open(work.resolve("app.tar"), result.digest());
        assertThat(stored.layerFiles(result.layers().get(0).digest())).containsExactly("/app/libs/greeting-1.0.jar");
        assertThat(stored.layerFiles(result.layers().get(1).digest())).containsExactly("/app/libs/helper-2.0-SNAPSHOT.jar");
        assertThat(stored.layerFiles(result.layers().get(2).digest())).containsExactly("/app/resources/application.properties");
        assertThat(stored.layerFiles(result.layers().get(3).digest())).containsExactly("/app/classes/demo/Main.class");
        assertThat(stored.config().path("config").path("Entrypoint").toString()).isEqualTo(
                "[\"java\",\"-cp\",\"/app/resources:/app/classes:/app/libs/greeting-1.0.jar:/app/libs/helper-2.0-SNAPSHOT.jar\",\"demo.Main\"]");
    }

    @Test
    void anIsolatedDependencyGetsALayerOfItsOwnRightAfterTheDependencies() throws Exception {
        BuildRequest request = sampleRequest(work.resolve("app"), work.resolve("app.tar"))
                .withIsolatedDependencies(List.of(TestApplications.LIBRARY_ARTIFACT));

        ImageResult result = new ImageBuilder(RegistryAccess.standard()).build(request);

        assertThat(result.layerNames()).containsExactly("dependency org.example:greeting", "snapshot-dependencies",
                "resources", "classes");
    }

    static BuildRequest sampleRequest(Path sources, Path tar) throws Exception {
        Files.createDirectories(sources);
        Path library = TestApplications.libraryJar(sources, "1.0", "original");
        Path helper = TestApplications.helperJar(sources, "2.0-SNAPSHOT");
        Path classes = TestApplications.applicationClasses(sources, List.of(library, helper));
        Application application = Application.classesDirectory(classes, List.of(library, helper), TestApplications.MAIN_CLASS);
        return BuildRequest.of(BaseImage.scratch(), application, ImageTarget.dockerArchive(tar, "orders:2.0.0"));
    }
}
