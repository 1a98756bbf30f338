package dev.slipway.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageFilesystemTest {

    @Test
    void laterLayersOverrideEarlierOnesAndWhiteoutsDeleteWholeSubtrees() throws Exception {
        ImageFilesystem filesystem = ImageFilesystem.empty();
        filesystem.applyLayer(new LayerTars().directory("app", 0755).file("app/a.txt", "one")
                .directory("app/old", 0755).file("app/old/x", "x").file("app/keep", "k").stream());
        filesystem.applyLayer(new LayerTars().file("app/a.txt", "two", 0600, 1000, 1000)
                .file("app/.wh.old", "").stream());

        assertThat(filesystem.get("/app/a.txt")).hasValueSatisfying(file -> {
            assertThat(file.sha256()).isEqualTo(sha256("two"));
            assertThat(file.mode()).isEqualTo(0600);
            assertThat(file.owner()).isEqualTo("1000:1000");
        });
        assertThat(filesystem.get("/app/old")).isEmpty();
        assertThat(filesystem.get("/app/old/x")).isEmpty();
        assertThat(filesystem.get("/app/keep")).isPresent();
        assertThat(filesystem.get("/app/.wh.old")).isEmpty();
    }

    @Test
    void aWhiteoutHidesOnlyLowerLayersNotAFileOfItsOwnLayer() throws Exception {
        ImageFilesystem filesystem = ImageFilesystem.empty();
        filesystem.applyLayer(new LayerTars().file("etc/conf", "old").stream());
        filesystem.applyLayer(new LayerTars().file("etc/conf", "new").file("etc/.wh.conf", "").stream());

        assertThat(filesystem.get("/etc/conf")).hasValueSatisfying(file -> assertThat(file.sha256()).isEqualTo(sha256("new")));
    }

    @Test
    void anOpaqueDirectoryHidesEverythingLowerLayersPutInIt() throws Exception {
        ImageFilesystem filesystem = ImageFilesystem.empty();
        filesystem.applyLayer(new LayerTars().file("data/a", "a").file("data/b", "b").stream());
        filesystem.applyLayer(new LayerTars().file("data/c", "c").file("data/.wh..wh..opq", "").stream());

        assertThat(filesystem.entriesBelow("/data")).containsOnlyKeys("/data/c");
    }

    @Test
    void aFileReplacingADirectoryTakesItsChildrenAway() throws Exception {
        ImageFilesystem filesystem = ImageFilesystem.empty();
        filesystem.applyLayer(new LayerTars().directory("opt/tool", 0755).file("opt/tool/bin", "b").stream());
        filesystem.applyLayer(new LayerTars().symbolicLink("opt/tool", "/usr/tool").stream());

        assertThat(filesystem.get("/opt/tool")).hasValueSatisfying(file -> {
            assertThat(file.type()).isEqualTo(FileType.SYMBOLIC_LINK);
            assertThat(file.linkTarget()).isEqualTo("/usr/tool");
        });
        assertThat(filesystem.get("/opt/tool/bin")).isEmpty();
    }

    @Test
    void entriesBelowADirectoryDoNotIncludeSiblingsWithTheSamePrefix() throws Exception {
        ImageFilesystem filesystem = ImageFilesystem.empty();
        filesystem.applyLayer(new LayerTars().file("app/x", "1").file("app-data/y", "2").file("app.txt", "3").stream());

        assertThat(filesystem.entriesBelow("/app")).containsOnlyKeys("/app/x");
    }

    static String sha256(String text) {
        try {
            return ImageFilesystem.sha256(new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.io.IOException impossible) {
            throw new java.io.UncheckedIOException(impossible);
        }
    }
}
