package dev.slipway.image;

import java.nio.file.Path;
import java.util.List;

/** A layer as we plan it, before jib builds it: named, with entries at fixed image paths. */
record PlannedLayer(String name, List<Entry> entries) {

    PlannedLayer {
        entries = List.copyOf(entries);
    }

    /** One file, directory or whiteout; {@code source} is read when jib builds the layer. */
    record Entry(Path source, String imagePath, int mode, FileOwner owner) {
    }

    List<String> imagePaths() {
        return entries.stream().map(Entry::imagePath).toList();
    }
}
