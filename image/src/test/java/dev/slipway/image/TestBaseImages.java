package dev.slipway.image;

import dev.slipway.testkit.TestJre;
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

    /**
     * A minimal JRE base image (testkit's jlinked java.base, java.net.http and jdk.httpserver at /opt/jre, with the
     * shared libraries it loads), pushed to {@code target} by jib.
     */
    static JibContainerization.Outcome jre(ImageTarget target, RegistryAccess access) throws IOException {
        Path jre = TestJre.jlinked("java.base,java.net.http,jdk.httpserver");
        List<PlannedLayer.Entry> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(jre)) {
            for (Path path : walk.filter(Files::isRegularFile).sorted().toList()) {
                int mode = ((Number) Files.getAttribute(path, "unix:mode")).intValue() & 0777;
                entries.add(new PlannedLayer.Entry(path, "/opt/jre/" + jre.relativize(path), mode, FileOwner.ROOT));
            }
        }
        for (Map.Entry<String, Path> library : TestJre.sharedLibraries(jre).entrySet()) {
            entries.add(new PlannedLayer.Entry(library.getValue(), library.getKey(), 0755, FileOwner.ROOT));
        }
        Path emptyDirectory = Files.createDirectories(Path.of("target/test-empty-directory"));
        entries.add(new PlannedLayer.Entry(emptyDirectory, "/tmp", 0777, FileOwner.ROOT));
        return containerize(List.of(new PlannedLayer("jre", entries)), target, access,
                Map.of("PATH", "/opt/jre/bin:/usr/bin:/bin", "JAVA_HOME", "/opt/jre"), List.of("/opt/jre/bin/java", "-version"));
    }

    static JibContainerization.Outcome containerize(List<PlannedLayer> layers, ImageTarget target, RegistryAccess access,
                               Map<String, String> environment, List<String> entrypoint) {
        return new JibContainerization(access, ProgressListener.none()).containerize(BaseImage.scratch(), layers,
                new JibContainerization.ContainerSettings(entrypoint, environment, Map.of()), target, java.util.Set.of());
    }
}
