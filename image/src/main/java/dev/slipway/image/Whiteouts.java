package dev.slipway.image;

/**
 * OCI whiteout naming: an empty file {@code .wh.<name>} hides {@code <name>} of lower layers,
 * {@code .wh..wh..opq} in a directory hides everything lower layers put in it.
 */
public final class Whiteouts {
    public static final String PREFIX = ".wh.";
    public static final String OPAQUE = ".wh..wh..opq";

    private Whiteouts() {
    }

    /** The whiteout path that deletes {@code path} ("/app/a.txt" → "/app/.wh.a.txt"). */
    public static String whiteoutFor(String path) {
        String normalized = ImagePaths.normalize(path);
        if (normalized.equals("/")) {
            throw new IllegalArgumentException("the root directory cannot be whited out");
        }
        return ImagePaths.join(ImagePaths.parent(normalized), PREFIX + ImagePaths.fileName(normalized));
    }

    public static boolean isWhiteout(String path) {
        return ImagePaths.fileName(path).startsWith(PREFIX);
    }

    public static boolean isOpaque(String path) {
        return ImagePaths.fileName(path).equals(OPAQUE);
    }

    /** The path a (non-opaque) whiteout deletes ("/app/.wh.a.txt" → "/app/a.txt"). */
    public static String deletedPath(String whiteoutPath) {
        String normalized = ImagePaths.normalize(whiteoutPath);
        String name = ImagePaths.fileName(normalized);
        if (!name.startsWith(PREFIX) || name.equals(OPAQUE)) {
            throw new IllegalArgumentException(whiteoutPath + " is not a plain whiteout");
        }
        return ImagePaths.join(ImagePaths.parent(normalized), name.substring(PREFIX.length()));
    }
}
