package dev.slipway.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A local directory seen as it would appear at {@code imageDirectory} inside an image:
 * every entry with its content digest, mode, owner and type, plus where its bytes live locally.
 */
record LocalTree(ImageFilesystem filesystem, Map<String, Path> sources) {

    /**
     * Scans {@code sourceDirectory}. With an explicit {@code owner} every entry gets it; without
     * one an entry keeps the owner its path has in {@code base}, or else its nearest existing
     * ancestor's, because the local uid of a developer's checkout means nothing inside the image.
     */
    static LocalTree scan(Path sourceDirectory, String imageDirectory, Optional<FileOwner> owner,
                          ImageFilesystem base) throws IOException {
        String root = ImagePaths.normalize(imageDirectory);
        List<ImageFile> entries = new ArrayList<>();
        Map<String, Path> sources = new LinkedHashMap<>();
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(sourceDirectory)) {
            paths = walk.sorted().toList();
        }
        for (Path local : paths) {
            String relative = sourceDirectory.relativize(local).toString().replace('\\', '/');
            String imagePath = relative.isEmpty() ? root : ImagePaths.normalize(root + "/" + relative);
            ImageFile file = describe(local, imagePath);
            FileOwner chosen = owner.orElseGet(() -> inheritedOwner(imagePath, base));
            entries.add(file.withOwner(chosen.userId(), chosen.groupId()));
            sources.put(imagePath, local);
        }
        return new LocalTree(ImageFilesystem.of(entries), sources);
    }

    private static FileOwner inheritedOwner(String imagePath, ImageFilesystem base) {
        String path = imagePath;
        while (true) {
            Optional<ImageFile> existing = base.get(path);
            if (existing.isPresent()) {
                return new FileOwner(existing.get().userId(), existing.get().groupId());
            }
            if (path.equals("/")) {
                return FileOwner.ROOT;
            }
            path = ImagePaths.parent(path);
        }
    }

    private static ImageFile describe(Path local, String imagePath) throws IOException {
        int mode = ((Number) Files.getAttribute(local, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue();
        if (Files.isSymbolicLink(local)) {
            return new ImageFile(imagePath, FileType.SYMBOLIC_LINK, "", 0, 0777, 0, 0,
                    Files.readSymbolicLink(local).toString());
        }
        if (Files.isDirectory(local, LinkOption.NOFOLLOW_LINKS)) {
            return new ImageFile(imagePath, FileType.DIRECTORY, "", 0, mode, 0, 0, "");
        }
        if (Files.isRegularFile(local, LinkOption.NOFOLLOW_LINKS)) {
            try (InputStream content = Files.newInputStream(local)) {
                return new ImageFile(imagePath, FileType.REGULAR, ImageFilesystem.sha256(content),
                        Files.size(local), mode, 0, 0, "");
            }
        }
        return new ImageFile(imagePath, FileType.OTHER, "", 0, mode, 0, 0, "");
    }
}
