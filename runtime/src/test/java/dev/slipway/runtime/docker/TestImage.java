package dev.slipway.runtime.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The image the docker runtime's tests run, built here because nothing can be pulled: a rootfs holding a JRE
 * jlinked from this machine's JDK ({@code java.base} and {@code jdk.httpserver} at {@code /opt/jre}), the shared
 * libraries ldd says it loads (at the paths ldd names), and {@link ContainerBackend}'s class at {@code /app}, then
 * {@code docker import}ed. The tag is a hash of what went in, so repeated runs reuse the image; building a new one
 * removes the outdated ones (they all carry the label {@code dev.slipway.test=runtime-docker}).
 */
final class TestImage {
    static final String LABEL = "dev.slipway.test=runtime-docker";
    private static final String REPOSITORY = "slipway-test/runtime-docker-backend";
    private static final String MODULES = "java.base,jdk.httpserver";
    private static final Path WORK = Path.of("target/docker-test-image").toAbsolutePath();

    private static String tag;

    private TestImage() {
    }

    /** The image reference, building the image if the engine does not have it yet. */
    static synchronized String reference() {
        if (tag != null) {
            return tag;
        }
        try {
            Path jre = jlinked();
            List<Path> classes = backendClasses();
            String candidate = REPOSITORY + ":" + contentHash(jre, classes);
            if (TestEngine.run(List.of("docker", "image", "inspect", candidate), 30).exitCode() != 0) {
                build(candidate, jre, classes);
                removeOutdatedImages(candidate);
            }
            tag = candidate;
            return tag;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the test image: " + e.getMessage(), e);
        }
    }

    /** The container command that runs the backend, tuned to start fast. */
    static List<String> backendCommand() {
        return List.of(ImageCommand.PREFIX + reference(), "/opt/jre/bin/java", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx32m", "-XX:-UsePerfData", "-cp", "/app", ContainerBackend.class.getName());
    }

    private static void build(String reference, Path jre, List<Path> classes) throws IOException {
        Path rootfs = WORK.resolve("rootfs");
        deleteRecursively(rootfs);
        Path optJre = rootfs.resolve("opt/jre");
        try (Stream<Path> walk = Files.walk(jre)) {
            for (Path source : walk.sorted().toList()) {
                Path target = optJre.resolve(jre.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        for (Map.Entry<String, Path> library : sharedLibraries(jre).entrySet()) {
            Path target = rootfs.resolve(library.getKey().substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(library.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
        }
        Path packageDirectory = rootfs.resolve("app/" + ContainerBackend.class.getPackageName().replace('.', '/'));
        Files.createDirectories(packageDirectory);
        for (Path classFile : classes) {
            Files.copy(classFile, packageDirectory.resolve(classFile.getFileName()));
        }
        Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));

        Path tar = WORK.resolve("rootfs.tar");
        TestEngine.runOrFail(List.of("tar", "--owner=0", "--group=0", "--numeric-owner", "-C", rootfs.toString(),
                "-cf", tar.toString(), "."), 120);
        TestEngine.runOrFail(List.of("docker", "import", "--change", "LABEL " + LABEL,
                "--change", "ENV PATH=/opt/jre/bin:/usr/bin:/bin", tar.toString(), reference), 120);
        Files.delete(tar);
        deleteRecursively(rootfs);
    }

    private static void removeOutdatedImages(String current) {
        String listed = TestEngine.run(List.of("docker", "images", "--filter", "label=" + LABEL, "--format",
                "{{.Repository}}:{{.Tag}}"), 30).output();
        for (String image : listed.lines().map(String::trim).toList()) {
            if (!image.isEmpty() && !image.equals(current)) {
                TestEngine.run(List.of("docker", "rmi", image), 60);
            }
        }
    }

    private static Path jlinked() {
        Path output = WORK.resolve("jre");
        if (Files.isExecutable(output.resolve("bin/java"))) {
            return output;
        }
        deleteRecursively(output);
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        TestEngine.runOrFail(List.of(jlink.toString(), "--add-modules", MODULES, "--strip-debug", "--no-man-pages",
                "--no-header-files", "--output", output.toString()), 300);
        return output;
    }

    private static List<Path> backendClasses() throws IOException {
        Path root;
        try {
            root = Path.of(ContainerBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Path directory = root.resolve(ContainerBackend.class.getPackageName().replace('.', '/'));
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> {
                String name = file.getFileName().toString();
                return name.equals("ContainerBackend.class") || name.startsWith("ContainerBackend$");
            }).sorted().toList();
        }
    }

    private static String contentHash(Path jre, List<Path> classes) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        digest.update(Files.readAllBytes(jre.resolve("release")));
        for (Path classFile : classes) {
            digest.update(classFile.getFileName().toString().getBytes());
            digest.update(Files.readAllBytes(classFile));
        }
        return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    }

    /** Image path → local real file, for every library outside the JRE that its binaries load. */
    private static Map<String, Path> sharedLibraries(Path jre) throws IOException {
        Map<String, Path> libraries = new TreeMap<>();
        List<Path> binaries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(jre)) {
            walk.filter(Files::isRegularFile)
                    .filter(path -> path.toString().endsWith(".so") || path.getParent().endsWith("bin"))
                    .forEach(binaries::add);
        }
        for (Path binary : binaries) {
            for (String line : TestEngine.run(List.of("ldd", binary.toString()), 30).output().split("\n")) {
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

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
