package dev.slipway.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FilesystemDiffTest {
    private static ImageFile file(String path, String sha256, int mode) {
        return new ImageFile(path, FileType.REGULAR, sha256, 1, mode, 0, 0, "");
    }

    private static ImageFile directory(String path) {
        return new ImageFile(path, FileType.DIRECTORY, "", 0, 0755, 0, 0, "");
    }

    @Test
    void findsAddedChangedAndDeletedByContentModeAndOwner() {
        ImageFilesystem base = ImageFilesystem.of(List.of(directory("/app"), file("/app/same", "a", 0644),
                file("/app/content", "b", 0644), file("/app/mode", "c", 0644), file("/app/owner", "d", 0644),
                file("/app/gone", "e", 0644), file("/etc/untouched", "f", 0644)));
        ImageFilesystem desired = ImageFilesystem.of(List.of(directory("/app"), file("/app/same", "a", 0644),
                file("/app/content", "B", 0644), file("/app/mode", "c", 0755),
                file("/app/owner", "d", 0644).withOwner(1000, 1000), file("/app/new", "g", 0644)));

        FilesystemDiff diff = FilesystemDiff.between(base, desired, "/app");

        assertThat(diff.added()).extracting(ImageFile::path).containsExactly("/app/new");
        assertThat(diff.changed()).extracting(ImageFile::path).containsExactly("/app/content", "/app/mode", "/app/owner");
        assertThat(diff.deleted()).extracting(ImageFile::path).containsExactly("/app/gone");
        assertThat(diff.deletionRoots()).containsExactly("/app/gone");
    }

    @Test
    void aDeletedDirectoryNeedsOneWhiteoutForItsWholeSubtree() {
        ImageFilesystem base = ImageFilesystem.of(List.of(directory("/app"), directory("/app/old"),
                file("/app/old/a", "a", 0644), directory("/app/old/deep"), file("/app/old/deep/b", "b", 0644)));
        ImageFilesystem desired = ImageFilesystem.of(List.of(directory("/app")));

        FilesystemDiff diff = FilesystemDiff.between(base, desired, "/app");

        assertThat(diff.deleted()).hasSize(4);
        assertThat(diff.deletionRoots()).containsExactly("/app/old");
    }

    @Test
    void aFileReplacingADirectoryIsAChangeAndItsOldChildrenNeedNoWhiteouts() {
        ImageFilesystem base = ImageFilesystem.of(List.of(directory("/app"), directory("/app/x"), file("/app/x/child", "c", 0644)));
        ImageFilesystem desired = ImageFilesystem.of(List.of(directory("/app"), file("/app/x", "now a file", 0644)));

        FilesystemDiff diff = FilesystemDiff.between(base, desired, "/app");

        assertThat(diff.changed()).extracting(ImageFile::path).containsExactly("/app/x");
        assertThat(diff.deleted()).extracting(ImageFile::path).containsExactly("/app/x/child");
        assertThat(diff.deletionRoots()).isEmpty();
    }

    @Test
    void directoriesPresentInBothKeepTheBaseAttributesAndAreNotChanges() {
        ImageFilesystem base = ImageFilesystem.of(List.of(directory("/app").withOwner(1000, 1000)));
        ImageFilesystem desired = ImageFilesystem.of(List.of(
                new ImageFile("/app", FileType.DIRECTORY, "", 0, 0700, 0, 0, "")));

        assertThat(FilesystemDiff.between(base, desired, "/app").isEmpty()).isTrue();
    }
}
