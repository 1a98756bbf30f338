package dev.slipway.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A minimal JRE base image built from this machine's JDK (nothing can be pulled here): jlink's
 * java.base + java.net.http + jdk.httpserver at /opt/jre, plus the shared libraries ldd says it
 * needs, at the paths ldd names.
 */
final class TestJre {
    private TestJre() {
    }

    /** Pushes the JRE image to {@code target}; the jlinked runtime is cached in target/test-jre. */
    static JibContainerization.Outcome push(ImageTarget target, RegistryAccess access) throws IOException {
        Path jre = jlinked();
        List<PlannedLayer.Entry> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(jre)) {
            for (Path path : walk.filter(Files::isRegularFile).sorted().toList()) {
                int mode = ((Number) Files.getAttribute(path, "unix:mode")).intValue() & 0777;
                entries.add(new PlannedLayer.Entry(path, "/opt/jre/" + jre.relativize(path), mode, FileOwner.ROOT));
            }
        }
        for (Map.Entry<String, Path> library : sharedLibraries(jre).entrySet()) {
            entries.add(new PlannedLayer.Entry(library.getValue(), library.getKey(), 0755, FileOwner.ROOT));
        }
        Path emptyDirectory = Files.createDirectories(Path.of("target/test-empty-directory"));
        entries.add(new PlannedLayer.Entry(emptyDirectory, "/tmp", 0777, FileOwner.ROOT));
        return TestBaseImages.containerize(List.of(new PlannedLayer("jre", entries)), target, access,
                Map.of("PATH", "/opt/jre/bin:/usr/bin:/bin", "JAVA_HOME", "/opt/jre"), List.of("/opt/jre/bin/java", "-version"));
    }

    static synchronized Path jlinked() {
        Path output = Path.of("target/test-jre").toAbsolutePath();
        if (Files.isExecutable(output.resolve("bin/java"))) {
            return output;
        }
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        TestServices.runOrFail(List.of(jlink.toString(), "--add-modules", "java.base,java.net.http,jdk.httpserver",
                "--strip-debug", "--no-man-pages", "--no-header-files", "--compress=2", "--output", output.toString()), 300);
        return output;
    }

    /** Image path → local real file, for every library outside the JRE that its binaries load. */
    private static Map<String, Path> sharedLibraries(Path jre) throws IOException {
        Map<String, Path> libraries = new TreeMap<>();
        List<Path> binaries;
        try (Stream<Path> walk = Files.walk(jre)) {
            binaries = walk.filter(Files::isRegularFile)
                    .filter(path -> path.toString().endsWith(".so") || path.getParent().endsWith("bin")).toList();
        }
        for (Path binary : binaries) {
            String output = TestServices.run(List.of("ldd", binary.toString()), 30).output();
            for (String line : output.split("\n")) {
                String trimmed = line.trim();
                String path = null;
                if (trimmed.contains("=> /")) {
                    path = trimmed.substring(trimmed.indexOf("=> ") + 3, trimmed.lastIndexOf(" ("));
                } else if (trimmed.startsWith("/")) {
                    path = trimmed.substring(0, trimmed.indexOf(" ("));
                }
                if (path != null && !path.startsWith(jre.toString())) {
                    libraries.put(path, Path.of(path).toRealPath());
                }
            }
        }
        return libraries;
    }
}
