package dev.slipway.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Variants written as docker-save tars: the comparison logic without registry or daemon. */
class VariantBuilderArchiveTest {
    @TempDir
    Path work;

    @Test
    void aLocallyPatchedJarChangesExactlyItsOwnLayer() throws Exception {
        BuildRequest original = ImageBuilderTest.sampleRequest(work.resolve("src"), work.resolve("orders.tar"));
        Path patched = TestApplications.libraryJar(work.resolve("patched"), "1.0", "patched");

        VariantsResult result = new VariantBuilder(RegistryAccess.standard()).build(VariantRequest.of(original,
                List.of(DependencyOverride.byLocalJar("greeting-patched", TestApplications.LIBRARY_ARTIFACT, patched))));

        VariantResult variant = result.variants().get(0);
        assertThat(variant.image().reference()).isEqualTo("orders:2.0.0-greeting-patched");
        assertThat(Files.exists(work.resolve("orders-greeting-patched.tar"))).isTrue();
        assertThat(variant.verified()).isTrue();
        LayerDifference difference = variant.comparison().differingLayers().get(0);
        assertThat(difference.name()).isEqualTo("dependency org.example:greeting");
        assertThat(difference.variantFiles()).containsExactly("/app/libs/greeting-1.0.jar");
        assertThat(variant.dependencyGraphChanges()).isEmpty();
        assertThat(result.original().layerNames()).containsExactly("dependency org.example:greeting",
                "snapshot-dependencies", "resources", "classes");
    }

    @Test
    void coordinatesResolveFromTheLocalRepositoryAndAGraphChangeIsReported() throws Exception {
        BuildRequest original = ImageBuilderTest.sampleRequest(work.resolve("src"), work.resolve("orders.tar"));
        Path repository = work.resolve("repository");
        Path versionDirectory = repository.resolve("org/example/greeting/1.1-patched");
        Files.createDirectories(versionDirectory);
        Path built = TestApplications.libraryJar(work.resolve("patched"), "1.1-patched", "patched");
        Files.copy(built, versionDirectory.resolve("greeting-1.1-patched.jar"));
        Files.writeString(versionDirectory.resolve("greeting-1.1-patched.pom"), """
                <project><groupId>org.example</groupId><artifactId>greeting</artifactId><version>1.1-patched</version>
                  <dependencies>
                    <dependency><groupId>org.example</groupId><artifactId>extra</artifactId><version>3.0</version></dependency>
                    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13</version><scope>test</scope></dependency>
                  </dependencies>
                </project>
                """);
        Files.writeString(work.resolve("src/greeting-1.0.pom"), "<project><version>1.0</version></project>");

        VariantsResult result = new VariantBuilder(RegistryAccess.standard()).build(new VariantRequest(original,
                List.of(DependencyOverride.byCoordinates("greeting-11", "org.example:greeting:1.1-patched")), repository));

        VariantResult variant = result.variants().get(0);
        assertThat(variant.verified()).isTrue();
        assertThat(variant.comparison().differingLayers().get(0).variantFiles()).containsExactly("/app/libs/greeting-1.1-patched.jar");
        assertThat(variant.dependencyGraphChanges()).containsExactly("adds org.example:extra:3.0");
    }

    @Test
    void overridingALibraryThatIsNotOnTheClasspathSaysWhatIs() throws Exception {
        BuildRequest original = ImageBuilderTest.sampleRequest(work.resolve("src"), work.resolve("orders.tar"));
        VariantRequest request = VariantRequest.of(original,
                List.of(DependencyOverride.byLocalJar("x", "org.postgresql:postgresql", work.resolve("src/greeting-1.0.jar"))));

        assertThatThrownBy(() -> new VariantBuilder(RegistryAccess.standard()).build(request))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("org.postgresql:postgresql: it is not on the runtime classpath")
                .hasMessageContaining("org.example:greeting:1.0");
    }
}
