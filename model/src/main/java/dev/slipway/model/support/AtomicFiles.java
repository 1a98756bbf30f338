package dev.slipway.model.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes state files so that a reader — or a restart after a power cut — sees either the old file or the whole new
 * one, never a part: a temporary file beside the target is written and forced to disk, renamed over the target, and
 * the directory is forced too, so the rename itself survives. Private files are created readable by their owner only
 * from the first byte on.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Replaces {@code file} with {@code content}, readable by its owner only (mode 0600). */
    public static void writePrivately(Path file, String content) {
        write(file, content.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Replaces {@code file} with {@code content}, with the default permissions of new files. */
    public static void write(Path file, String content) {
        write(file, content.getBytes(StandardCharsets.UTF_8), false);
    }

    public static void write(Path file, byte[] content, boolean ownerOnly) {
        Path target = file.toAbsolutePath();
        Path directory = target.getParent();
        Path temporary = null;
        try {
            Files.createDirectories(directory);
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            FileAttribute<?>[] attributes = ownerOnly && posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                    : new FileAttribute<?>[0];
            temporary = Files.createTempFile(directory, "." + target.getFileName(), ".tmp", attributes);
            if (!ownerOnly && posix) {
                // createTempFile makes 0600 files; a shared state file gets the usual permissions of new files
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING))) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temporary = null;
            forceDirectory(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the failure that brought us here is the one worth reporting
                }
            }
        }
    }

    /** Makes a rename in {@code directory} durable; a file system that cannot open directories has nothing to force. */
    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // not every platform lets a directory be opened; the rename is still atomic there
        }
    }
}
