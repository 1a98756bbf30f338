package dev.slipway.image;

import dev.slipway.testkit.TestRegistry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thin patches against a real registry: a ~100 MB application tree of incompressible files,
 * patched twice from the same fixed base. Upload sizes are measured from the registry's storage.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatchRegistryTest {
    private static final int FILE_COUNT = 100;
    private static final int FILE_SIZE = 1024 * 1024;

    @TempDir
    static Path work;
    TestRegistry registry;
    Path tree;
    String base;
    int baseLayerCount;
    long fullBuildBytesPushed;
    final Random random = new Random(42);

    @BeforeAll
    void pushTheBaseImage() throws Exception {
        registry = TestRegistry.start(work);
        tree = work.resolve("app");
        for (int index = 0; index < FILE_COUNT; index++) {
            writeRandom(tree.resolve("part-" + (index % 10)).resolve("file-" + index + ".bin"), FILE_SIZE);
        }
        base = registry.reference("app:base");
        long before = registry.storedBlobBytes();
        JibContainerization.Outcome outcome = TestBaseImages.fileTree(tree, "/app", 0755, FileOwner.ROOT,
                ImageTarget.registry(base), RegistryAccess.insecureLoopback(), Map.of(), List.of("/bin/true"));
        fullBuildBytesPushed = outcome.bytesPushed();
        PatchBuilderArchiveTest.copyTree(tree, work.resolve("pristine"));
        baseLayerCount = new RegistryClient(RegistryAccess.insecureLoopback()).image(base).rawLayers().size();
        System.out.printf("full build of a %d MB tree: %,d bytes pushed (API), %,d bytes stored (registry)%n",
                FILE_COUNT * FILE_SIZE / (1024 * 1024), fullBuildBytesPushed, registry.storedBlobBytes() - before);
    }

    @AfterAll
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    @Order(1)
    void twoChangedOneDeletedAndOneAddedFileGoUpAsOneThinLayer() throws Exception {
        writeRandom(tree.resolve("part-1/file-1.bin"), FILE_SIZE);
        writeRandom(tree.resolve("part-2/file-2.bin"), FILE_SIZE);
        Files.delete(tree.resolve("part-3/file-3.bin"));
        writeRandom(tree.resolve("part-new/added.bin"), FILE_SIZE);
        long gzipOfChanges = gzipSize(tree.resolve("part-1/file-1.bin")) + gzipSize(tree.resolve("part-2/file-2.bin"))
                + gzipSize(tree.resolve("part-new/added.bin"));

        long before = registry.storedBlobBytes();
        PatchResult result = patch("app:patch-1");
        long uploaded = registry.storedBlobBytes() - before;

        assertThat(result.changed()).containsExactly("/app/part-1/file-1.bin", "/app/part-2/file-2.bin");
        assertThat(result.deleted()).containsExactly("/app/part-3/file-3.bin");
        assertThat(result.added()).containsExactly("/app/part-new", "/app/part-new/added.bin");
        assertThat(result.image().layers()).hasSize(baseLayerCount + 1);
        assertThat(uploaded).isLessThanOrEqualTo((long) (1.1 * gzipOfChanges));
        assertThat(result.bytesPushed()).isLessThanOrEqualTo(uploaded);

        ImageFilesystem patched = new RegistryClient(RegistryAccess.insecureLoopback()).image(registry.reference("app:patch-1")).filesystem();
        assertThat(patched.get("/app/part-3/file-3.bin")).isEmpty();
        assertThat(patched.get("/app/part-4/file-4.bin")).isPresent();
        assertThat(patched.get("/app/part-1/file-1.bin").orElseThrow().sha256()).isEqualTo(sha256(tree.resolve("part-1/file-1.bin")));
        assertThat(patched.get("/app/part-new/added.bin")).isPresent();
        System.out.printf("patch (2 changed, 1 deleted, 1 added, 1 MB each): %,d bytes pushed (API), %,d bytes stored,"
                + " gzip of the changed files %,d%n", result.bytesPushed(), uploaded, gzipOfChanges);
    }

    @Test
    @Order(2)
    void patchingAgainStartsFromTheFixedBaseAndShipsASameTimeRewriteWithItsNewBytes() throws Exception {
        Path file = tree.resolve("part-5/file-5.bin");
        FileTime time = Files.getLastModifiedTime(file);
        writeRandom(file, FILE_SIZE);
        Files.setLastModifiedTime(file, time);

        long before = registry.storedBlobBytes();
        PatchResult result = patch("app:patch-2");
        long uploaded = registry.storedBlobBytes() - before;

        assertThat(result.changed()).contains("/app/part-5/file-5.bin");
        assertThat(result.image().layers()).hasSize(baseLayerCount + 1);
        ImageFilesystem patched = new RegistryClient(RegistryAccess.insecureLoopback()).image(registry.reference("app:patch-2")).filesystem();
        assertThat(patched.get("/app/part-5/file-5.bin").orElseThrow().sha256()).isEqualTo(sha256(file));
        System.out.printf("patch after a one-file change (cumulative tree: 4 files differ from base): %,d bytes pushed (API),"
                + " %,d bytes stored; full build was %,d bytes%n", result.bytesPushed(), uploaded, fullBuildBytesPushed);
    }

    @Test
    @Order(3)
    void aOneFileChangeOfTheBaseTreePushesAboutOneFileInsteadOfTheWholeTree() throws Exception {
        Path pristine = work.resolve("pristine");
        writeRandom(pristine.resolve("part-7/file-7.bin"), FILE_SIZE);

        long before = registry.storedBlobBytes();
        PatchResult result = new PatchBuilder(RegistryAccess.insecureLoopback()).patch(PatchRequest.of(
                BaseImage.registry(base), pristine, "/app", ImageTarget.registry(registry.reference("app:patch-3"))));
        long uploaded = registry.storedBlobBytes() - before;

        assertThat(result.changed()).containsExactly("/app/part-7/file-7.bin");
        assertThat(result.image().layers()).hasSize(baseLayerCount + 1);
        assertThat(uploaded).isLessThan(fullBuildBytesPushed / 50);
        System.out.printf("BENCH bytes pushed: full build %,d vs patch after a one-file change %,d (registry stored %,d)%n",
                fullBuildBytesPushed, result.bytesPushed(), uploaded);
    }

    private PatchResult patch(String tag) {
        return new PatchBuilder(RegistryAccess.insecureLoopback()).patch(PatchRequest.of(BaseImage.registry(base), tree, "/app",
                ImageTarget.registry(registry.reference(tag))));
    }

    private void writeRandom(Path file, int size) throws IOException {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    private static long gzipSize(Path file) throws IOException {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(Files.readAllBytes(file));
        }
        return compressed.size();
    }

    private static String sha256(Path file) throws IOException {
        try (var content = Files.newInputStream(file)) {
            return ImageFilesystem.sha256(content);
        }
    }
}
