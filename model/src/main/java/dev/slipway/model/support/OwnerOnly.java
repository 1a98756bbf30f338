package dev.slipway.model.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories only their owner may read: what Slipway keeps under a state directory (logs, passwords,
 * tokens, replica environments, backups). Directories are 0700 and files 0600, set when they are created — never
 * readable by others, not even for a moment — and tightened when they already exist with looser modes. On a file
 * system without POSIX permissions the modes are left as they are. Whole files are replaced through
 * {@link AtomicFiles#writePrivately}.
 *
 * <p>Lives in {@code model} because every module writes under the state directory and depends on {@code model}.
 */
public final class OwnerOnly {
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private OwnerOnly() {
    }

    /** Creates the directory (and missing parents) 0700, or makes an existing one 0700. */
    public static Path directory(Path directory) {
        try {
            if (Files.isDirectory(directory)) {
                restrict(directory, DIRECTORY);
            } else if (POSIX) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(DIRECTORY));
            } else {
                Files.createDirectories(directory);
            }
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes sure the file exists with mode 0600 (empty when new, kept as it is otherwise), e.g. a log file before a
     * process appends to it: the process then writes into a file nobody else can read.
     */
    public static Path file(Path file) {
        try {
            if (Files.exists(file)) {
                restrict(file, FILE);
            } else {
                Files.createFile(file, attributes(FILE));
            }
            return file;
        } catch (java.nio.file.FileAlreadyExistsException createdMeanwhile) {
            return file(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    private static void restrict(Path path, Set<PosixFilePermission> permissions) throws IOException {
        if (POSIX && !Files.getPosixFilePermissions(path).equals(permissions)) {
            Files.setPosixFilePermissions(path, permissions);
        }
    }

    private static FileAttribute<?>[] attributes(Set<PosixFilePermission> permissions) {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)} : new FileAttribute<?>[0];
    }
}
