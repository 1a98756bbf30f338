package dev.slipway.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Base images for tests, built from scratch with jib (nothing can be pulled here). */
final class TestBaseImages {
    private TestBaseImages() {
    }

    /** One layer holding {@code tree} at {@code imageDirectory}, with the given directory mode and owner. */
    static JibContainerization.Outcome fileTree(Path tree, String imageDirectory, int directoryMode, FileOwner owner, ImageTarget target,
                           RegistryAccess access, Map<String, String> environment, List<String> entrypoint) throws IOException {
        List<PlannedLayer.Entry> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(tree)) {
            for (Path path : walk.sorted().toList()) {
                String relative = tree.relativize(path).toString();
                String imagePath = relative.isEmpty() ? imageDirectory : imageDirectory + "/" + relative;
                boolean directory = Files.isDirectory(path);
                int mode = directory ? directoryMode
                        : ((Number) Files.getAttribute(path, "unix:mode")).intValue() & 0777;
                entries.add(new PlannedLayer.Entry(path, imagePath, mode, owner));
            }
        }
        return containerize(List.of(new PlannedLayer("base files", entries)), target, access, environment, entrypoint);
    }

    static JibContainerization.Outcome containerize(List<PlannedLayer> layers, ImageTarget target, RegistryAccess access,
                               Map<String, String> environment, List<String> entrypoint) {
        return new JibContainerization(access, ProgressListener.none()).containerize(BaseImage.scratch(), layers,
                new JibContainerization.ContainerSettings(entrypoint, environment, Map.of()), target, java.util.Set.of());
    }
}
