package dev.slipway.image;

/** Absolute, slash-separated paths inside an image, normalised the way tar entries are compared. */
final class ImagePaths {
    private ImagePaths() {
    }

    /** "./app/lib/" or "app//lib" → "/app/lib"; "" or "." → "/". */
    static String normalize(String name) {
        StringBuilder result = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new IllegalArgumentException("path escapes the root: " + name);
            }
            result.append('/').append(part);
        }
        return result.length() == 0 ? "/" : result.toString();
    }

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    static String join(String directory, String name) {
        return directory.equals("/") ? "/" + name : directory + "/" + name;
    }

    /** True when {@code path} lies strictly below {@code directory}. */
    static boolean isBelow(String path, String directory) {
        return directory.equals("/") ? !path.equals("/") : path.startsWith(directory + "/");
    }
}
