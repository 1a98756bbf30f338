package dev.slipway.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The effective filesystem of an image: its layers applied in order, whiteouts honoured.
 * Content is kept as sha256 only, so a 100 MB image costs a few kilobytes of memory.
 */
public final class ImageFilesystem {
    private final NavigableMap<String, ImageFile> files = new TreeMap<>();

    public static ImageFilesystem empty() {
        return new ImageFilesystem();
    }

    /** A filesystem holding exactly these entries (for tests and for local trees). */
    public static ImageFilesystem of(List<ImageFile> entries) {
        ImageFilesystem filesystem = new ImageFilesystem();
        for (ImageFile entry : entries) {
            filesystem.files.put(ImagePaths.normalize(entry.path()), entry.withPath(ImagePaths.normalize(entry.path())));
        }
        return filesystem;
    }

    public Optional<ImageFile> get(String path) {
        return Optional.ofNullable(files.get(ImagePaths.normalize(path)));
    }

    /** All entries, sorted by path. */
    public Map<String, ImageFile> entries() {
        return Collections.unmodifiableNavigableMap(files);
    }

    /** Entries strictly below {@code directory}, sorted by path. */
    public Map<String, ImageFile> entriesBelow(String directory) {
        String normalized = ImagePaths.normalize(directory);
        if (normalized.equals("/")) {
            return Collections.unmodifiableNavigableMap(files.tailMap("/", false));
        }
        // '/' + 1 is '0': the range [dir/, dir0) holds exactly the paths below dir
        return Collections.unmodifiableNavigableMap(files.subMap(normalized + "/", true, normalized + "0", false));
    }

    /**
     * Applies one layer (a tar stream, gzipped or not). Whiteouts in a layer apply to lower layers
     * only (OCI image spec), so the layer is read completely before anything of it is applied.
     */
    public void applyLayer(InputStream layer) throws IOException {
        List<ImageFile> added = new ArrayList<>();
        List<String> whiteouts = new ArrayList<>();
        List<String> opaqueDirectories = new ArrayList<>();
        Map<String, ImageFile> addedByPath = new TreeMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(decompressed(layer))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String path = ImagePaths.normalize(entry.getName());
                if (path.equals("/")) {
                    continue;
                }
                if (Whiteouts.isOpaque(path)) {
                    opaqueDirectories.add(ImagePaths.parent(path));
                    continue;
                }
                if (Whiteouts.isWhiteout(path)) {
                    whiteouts.add(Whiteouts.deletedPath(path));
                    continue;
                }
                ImageFile file = describe(entry, path, tar, addedByPath);
                added.add(file);
                addedByPath.put(path, file);
            }
        }
        for (String directory : opaqueDirectories) {
            removeBelow(directory);
        }
        for (String path : whiteouts) {
            files.remove(path);
            removeBelow(path);
        }
        for (ImageFile file : added) {
            ImageFile lower = files.get(file.path());
            if (lower != null && lower.type() == FileType.DIRECTORY && file.type() != FileType.DIRECTORY) {
                // a file replacing a directory takes the directory's whole subtree with it
                removeBelow(file.path());
            }
            files.put(file.path(), file);
        }
    }

    private ImageFile describe(TarArchiveEntry entry, String path, InputStream content,
                               Map<String, ImageFile> sameLayer) throws IOException {
        int mode = entry.getMode();
        long userId = entry.getLongUserId();
        long groupId = entry.getLongGroupId();
        if (entry.isDirectory()) {
            return new ImageFile(path, FileType.DIRECTORY, "", 0, mode, userId, groupId, "");
        }
        if (entry.isSymbolicLink()) {
            return new ImageFile(path, FileType.SYMBOLIC_LINK, "", 0, mode, userId, groupId, entry.getLinkName());
        }
        if (entry.isLink()) {
            // a hard link has the content of its target, which an earlier entry or layer holds
            String target = ImagePaths.normalize(entry.getLinkName());
            ImageFile linked = sameLayer.containsKey(target) ? sameLayer.get(target) : files.get(target);
            if (linked == null) {
                throw new IOException("hard link " + path + " points to missing " + target);
            }
            return new ImageFile(path, linked.type(), linked.sha256(), linked.size(), mode, userId, groupId, "");
        }
        if (entry.isFile()) {
            return new ImageFile(path, FileType.REGULAR, sha256(content), entry.getSize(), mode, userId, groupId, "");
        }
        return new ImageFile(path, FileType.OTHER, "", 0, mode, userId, groupId, "");
    }

    private void removeBelow(String directory) {
        entriesBelowMutable(directory).clear();
    }

    private NavigableMap<String, ImageFile> entriesBelowMutable(String directory) {
        if (directory.equals("/")) {
            return files.tailMap("/", false);
        }
        return files.subMap(directory + "/", true, directory + "0", false);
    }

    static InputStream decompressed(InputStream raw) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 65536);
        buffered.mark(2);
        int first = buffered.read();
        int second = buffered.read();
        buffered.reset();
        if (first == 0x1f && second == 0x8b) {
            return new GzipCompressorInputStream(buffered, true);
        }
        return buffered;
    }

    static String sha256(InputStream content) throws IOException {
        MessageDigest digest = newSha256();
        byte[] buffer = new byte[65536];
        int read;
        while ((read = content.read(buffer)) != -1) {
            digest.update(buffer, 0, read);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JDK has SHA-256", impossible);
        }
    }
}
