package dev.slipway.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Patches of a base image kept as a docker-save tar: the whole patch logic without any service. */
class PatchBuilderArchiveTest {
    @TempDir
    Path work;
    Path baseTar;
    Path tree;

    @BeforeEach
    void buildBase() throws Exception {
        Path original = work.resolve("original");
        TestApplications.write(original.resolve("config/app.yaml"), "port: 8080\n");
        TestApplications.write(original.resolve("lib/a.jar"), "a-1");
        TestApplications.write(original.resolve("lib/b.jar"), "b-1");
        TestApplications.write(original.resolve("lib/c.jar"), "c-1");
        TestApplications.write(original.resolve("static/old/page.html"), "<p>old</p>");
        baseTar = work.resolve("base.tar");
        TestBaseImages.fileTree(original, "/app", 0750, new FileOwner(1000, 1000),
                ImageTarget.dockerArchive(baseTar, "base:1"), RegistryAccess.standard(), Map.of(), List.of("/bin/true"));
        tree = work.resolve("tree");
        copyTree(original, tree);
    }

    @Test
    void shipsOnlyChangedFilesWithWhiteoutsForDeletionsInOneLayerOnTheBase() throws Exception {
        Files.writeString(tree.resolve("lib/a.jar"), "a-2");
        Files.writeString(tree.resolve("config/app.yaml"), "port: 9090\n");
        Files.delete(tree.resolve("lib/c.jar"));
        deleteTree(tree.resolve("static/old"));
        TestApplications.write(tree.resolve("lib/d.jar"), "d-1");

        PatchResult result = patch("patched:1");

        assertThat(result.changed()).containsExactly("/app/config/app.yaml", "/app/lib/a.jar");
        assertThat(result.added()).containsExactly("/app/lib/d.jar");
        assertThat(result.deleted()).containsExactly("/app/lib/c.jar", "/app/static/old", "/app/static/old/page.html");
        assertThat(result.image().layers()).hasSize(result.baseLayerCount() + 1);
        assertThat(result.image().layerNames()).last().isEqualTo("patch");

        ImageFilesystem patched = DockerArchive.open(work.resolve("patched:1.tar"), "").filesystem();
        assertThat(patched.get("/app/lib/c.jar")).isEmpty();
        assertThat(patched.get("/app/static/old/page.html")).isEmpty();
        assertThat(patched.get("/app/lib/b.jar")).isPresent();
        assertThat(patched.get("/app/lib/a.jar").orElseThrow().sha256()).isEqualTo(ImageFilesystemTest.sha256("a-2"));
        assertThat(patched.get("/app/lib/d.jar").orElseThrow().owner()).isEqualTo("1000:1000");

        List<String> layerEntries = patchLayerEntries(work.resolve("patched:1.tar"));
        assertThat(layerEntries).contains("/app/lib/.wh.c.jar 0644 0:0", "/app/static/.wh.old 0644 0:0",
                "/app 0750 1000:1000", "/app/lib 0750 1000:1000");
        assertThat(layerEntries).noneMatch(entry -> entry.startsWith("/app/lib/b.jar"));
    }

    @Test
    void aRewriteWithTheSameModificationTimeShipsTheNewBytes() throws Exception {
        Path jar = tree.resolve("lib/a.jar");
        FileTime fixed = FileTime.fromMillis(1_700_000_000_000L);
        Files.writeString(jar, "first rewrite");
        Files.setLastModifiedTime(jar, fixed);
        patch("first:1");

        Files.writeString(jar, "second write!");
        Files.setLastModifiedTime(jar, fixed);
        PatchResult second = patch("second:1");

        assertThat(second.changed()).containsExactly("/app/lib/a.jar");
        ImageFilesystem patched = DockerArchive.open(work.resolve("second:1.tar"), "").filesystem();
        assertThat(patched.get("/app/lib/a.jar").orElseThrow().sha256()).isEqualTo(ImageFilesystemTest.sha256("second write!"));
    }

    @Test
    void patchingAPatchedImageIsRefusedSoPatchesNeverStack() throws Exception {
        Files.writeString(tree.resolve("lib/a.jar"), "a-2");
        patch("patched:1");

        PatchRequest stacked = PatchRequest.of(BaseImage.dockerArchive(work.resolve("patched:1.tar")), tree, "/app",
                ImageTarget.dockerArchive(work.resolve("stacked.tar"), "stacked:1"));
        assertThatThrownBy(() -> new PatchBuilder(RegistryAccess.standard()).patch(stacked))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("is itself a patch");
    }

    @Test
    void modeChangesAreShippedAndAnUnchangedTreeGivesAnEmptyDiff() throws Exception {
        PatchResult unchanged = patch("same:1");
        assertThat(unchanged.added()).isEmpty();
        assertThat(unchanged.changed()).isEmpty();
        assertThat(unchanged.deleted()).isEmpty();

        Files.setPosixFilePermissions(tree.resolve("lib/b.jar"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        PatchResult modeChanged = patch("mode:1");
        assertThat(modeChanged.changed()).containsExactly("/app/lib/b.jar");
    }

    private PatchResult patch(String name) {
        PatchRequest request = PatchRequest.of(BaseImage.dockerArchive(baseTar), tree, "/app",
                ImageTarget.dockerArchive(work.resolve(name + ".tar"), name));
        return new PatchBuilder(RegistryAccess.standard()).patch(request);
    }

    private static List<String> patchLayerEntries(Path archive) throws Exception {
        DockerArchive image = DockerArchive.open(archive, "");
        List<LayerSummary> layers = image.rawLayers();
        List<String> entries = new ArrayList<>();
        try (InputStream blob = image.openLayer(layers.get(layers.size() - 1).digest());
             TarArchiveInputStream tar = new TarArchiveInputStream(ImageFilesystem.decompressed(blob))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                entries.add(ImagePaths.normalize(entry.getName()) + " " + String.format("%04o", entry.getMode() & 07777)
                        + " " + entry.getLongUserId() + ":" + entry.getLongGroupId());
            }
        }
        return entries;
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path source : walk.sorted().toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    static void deleteTree(Path directory) {
        JibContainerization.deleteRecursively(directory);
    }
}
