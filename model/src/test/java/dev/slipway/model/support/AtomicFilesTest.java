package dev.slipway.model.support;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicFilesTest {
    @TempDir
    Path directory;

    @Test
    void aPrivateFileIsReadableByItsOwnerOnlyAndReplacesTheOldOneWhole() throws IOException {
        Path file = directory.resolve("api.json");
        Files.writeString(file, "old and longer than the new content");

        AtomicFiles.writePrivately(file, "new");

        assertThat(file).hasContent("new");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (var files = Files.list(directory)) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void aSharedFileGetsTheUsualPermissionsAndItsDirectoryIsCreated() throws IOException {
        Path file = directory.resolve("state/postgres.database");

        AtomicFiles.write(file, "orders\n");

        assertThat(file).hasContent("orders");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryOne() throws IOException {
        Path file = directory.resolve("taken");
        Files.createDirectories(file.resolve("not-empty"));

        assertThatThrownBy(() -> AtomicFiles.write(file, "x")).hasMessageContaining("cannot write " + file);

        assertThat(file).isDirectory();
        try (var files = Files.list(directory)) {
            assertThat(files).containsExactly(file);
        }
    }
}
