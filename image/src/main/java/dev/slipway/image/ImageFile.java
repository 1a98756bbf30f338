package dev.slipway.image;

import java.util.Objects;

/**
 * One entry of an image's effective filesystem (or of a local tree mapped into the image):
 * what a patch compares to decide whether a path changed.
 *
 * @param path absolute path inside the image, without a trailing slash ("/app/lib/a.jar")
 * @param sha256 hex digest of the content for regular files, empty otherwise
 * @param mode permission bits (07777)
 * @param linkTarget the target of a symbolic link, empty otherwise
 */
public record ImageFile(String path, FileType type, String sha256, long size, int mode,
                        long userId, long groupId, String linkTarget) {

    public ImageFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        sha256 = sha256 == null ? "" : sha256;
        linkTarget = linkTarget == null ? "" : linkTarget;
        mode = mode & 07777;
    }

    /** Same content and attributes; the path is not compared. */
    public boolean sameAs(ImageFile other) {
        return type == other.type && sha256.equals(other.sha256) && mode == other.mode
                && userId == other.userId && groupId == other.groupId && linkTarget.equals(other.linkTarget);
    }

    public ImageFile withPath(String newPath) {
        return new ImageFile(newPath, type, sha256, size, mode, userId, groupId, linkTarget);
    }

    public ImageFile withOwner(long newUserId, long newGroupId) {
        return new ImageFile(path, type, sha256, size, mode, newUserId, newGroupId, linkTarget);
    }

    /** "uid:gid", the form jib and tar tools use. */
    public String owner() {
        return userId + ":" + groupId;
    }
}
