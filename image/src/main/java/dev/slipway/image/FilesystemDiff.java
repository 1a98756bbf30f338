package dev.slipway.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What separates a base image's filesystem from a desired tree below one image directory:
 * entries added, changed (content, mode, owner, type or link target) and deleted. Directories
 * present in both never count as changed: they keep the base image's attributes.
 */
public record FilesystemDiff(String imageDirectory, List<ImageFile> added, List<ImageFile> changed,
                             List<ImageFile> deleted, List<String> deletionRoots) {

    public FilesystemDiff {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        deleted = List.copyOf(deleted);
        deletionRoots = List.copyOf(deletionRoots);
    }

    /**
     * Compares {@code base} with {@code desired}, which holds {@code imageDirectory} and everything
     * below it as it should be. Paths outside {@code imageDirectory} are left alone.
     */
    public static FilesystemDiff between(ImageFilesystem base, ImageFilesystem desired, String imageDirectory) {
        String directory = ImagePaths.normalize(imageDirectory);
        List<ImageFile> added = new ArrayList<>();
        List<ImageFile> changed = new ArrayList<>();
        List<ImageFile> deleted = new ArrayList<>();
        List<String> deletionRoots = new ArrayList<>();
        for (ImageFile wanted : desired.entries().values()) {
            if (!wanted.path().equals(directory) && !ImagePaths.isBelow(wanted.path(), directory)) {
                throw new IllegalArgumentException(wanted.path() + " lies outside " + directory);
            }
            ImageFile existing = base.get(wanted.path()).orElse(null);
            if (existing == null) {
                added.add(wanted);
            } else if (existing.type() == FileType.DIRECTORY && wanted.type() == FileType.DIRECTORY) {
                // an existing directory keeps the base's attributes: a checkout's umask is not a change
                continue;
            } else if (!existing.sameAs(wanted)) {
                changed.add(wanted);
            }
        }
        for (Map.Entry<String, ImageFile> entry : base.entriesBelow(directory).entrySet()) {
            String path = entry.getKey();
            if (desired.get(path).isPresent()) {
                continue;
            }
            deleted.add(entry.getValue());
            // one whiteout per deleted subtree, and none where a non-directory now replaces the parent
            ImageFile parentWanted = desired.get(ImagePaths.parent(path)).orElse(null);
            if (parentWanted != null && parentWanted.type() == FileType.DIRECTORY) {
                deletionRoots.add(path);
            }
        }
        return new FilesystemDiff(directory, added, changed, deleted, deletionRoots);
    }

    public boolean isEmpty() {
        return added.isEmpty() && changed.isEmpty() && deleted.isEmpty();
    }

    /** Bytes of regular-file content the patch layer has to carry (before compression). */
    public long contentBytes() {
        long total = 0;
        for (ImageFile file : added) {
            total += file.type() == FileType.REGULAR ? file.size() : 0;
        }
        for (ImageFile file : changed) {
            total += file.type() == FileType.REGULAR ? file.size() : 0;
        }
        return total;
    }
}
