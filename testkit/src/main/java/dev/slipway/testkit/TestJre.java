package dev.slipway.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A JRE for container tests, made from this machine's JDK because nothing can be pulled here: jlink's runtime of the
 * named modules, plus the shared libraries ldd says its binaries load (at the paths ldd names), laid out at
 * {@code /opt/jre} of a root filesystem.
 *
 * <p>Everything is cached by content: the jlinked runtime under {@code target/test-jre/} of the calling module, the
 * Docker image under a tag that hashes what went in, so repeated runs (and every test of a run) reuse them; building a
 * new image removes the outdated tags of the same repository.
 */
public final class TestJre {
    private static final Path WORK = Path.of("target/test-jre").toAbsolutePath();
    private static final Map<String, String> images = new HashMap<>();

    private TestJre() {
    }

    /** The jlinked runtime of {@code modules} (comma-separated, as jlink takes them), linked on first use. */
    public static synchronized Path jlinked(String modules) {
        Path output = WORK.resolve(hash(modules));
        if (Files.isExecutable(output.resolve("bin/java"))) {
            return output;
        }
        deleteRecursively(output);
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        TestServices.runOrFail(List.of(jlink.toString(), "--add-modules", modules, "--strip-debug", "--no-man-pages",
                "--no-header-files", "--output", output.toString()), 300);
        return output;
    }

    /** Image path → local real file, for every library outside the JRE that its binaries load. */
    public static Map<String, Path> sharedLibraries(Path jre) throws IOException {
        Map<String, Path> libraries = new TreeMap<>();
        List<Path> binaries;
        try (Stream<Path> walk = Files.walk(jre)) {
            binaries = walk.filter(Files::isRegularFile)
                    .filter(path -> path.toString().endsWith(".so") || path.getParent().endsWith("bin")).toList();
        }
        for (Path binary : binaries) {
            for (String line : TestServices.run(List.of("ldd", binary.toString()), 30).output().split("\n")) {
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

    /**
     * An image in the local Docker engine holding the JRE of {@code modules} at {@code /opt/jre} (on PATH, and
     * JAVA_HOME), its libraries, a world-writable {@code /tmp}, and {@code files} (image path → local file). Built
     * with {@code docker import} unless the engine has it already.
     *
     * @return the image reference, {@code <repository>:<content hash>}
     */
    public static synchronized String dockerImage(String repository, String modules, Map<String, Path> files) {
        try {
            Path jre = jlinked(modules);
            Map<String, Path> libraries = sharedLibraries(jre);
            List<Object> inputs = new ArrayList<>(List.of(modules, jre.resolve("release"), libraries.keySet()));
            for (Map.Entry<String, Path> file : new TreeMap<>(files).entrySet()) {
                inputs.add(file.getKey());
                inputs.add(file.getValue());
            }
            String reference = repository + ":" + hash(inputs.toArray());
            if (reference.equals(images.get(repository))) {
                return reference;
            }
            if (TestServices.run(List.of("docker", "image", "inspect", reference), 30).exitCode() != 0) {
                importImage(reference, jre, libraries, files);
                TestServices.removeOtherTags(repository, reference);
            }
            images.put(repository, reference);
            return reference;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the test image " + repository + ": " + e.getMessage(), e);
        }
    }

    private static void importImage(String reference, Path jre, Map<String, Path> libraries, Map<String, Path> files)
            throws IOException {
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
        Map<String, Path> copies = new TreeMap<>(libraries);
        copies.putAll(files);
        for (Map.Entry<String, Path> copy : copies.entrySet()) {
            Path target = rootfs.resolve(copy.getKey().substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(copy.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
        }
        Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path tar = WORK.resolve("rootfs.tar");
        TestServices.runOrFail(List.of("tar", "--owner=0", "--group=0", "--numeric-owner", "-C", rootfs.toString(),
                "-cf", tar.toString(), "."), 120);
        TestServices.runOrFail(List.of("docker", "import", "--change", "ENV PATH=/opt/jre/bin:/usr/bin:/bin",
                "--change", "ENV JAVA_HOME=/opt/jre", tar.toString(), reference), 120);
        Files.delete(tar);
        deleteRecursively(rootfs);
    }

    /** A short hash of strings and of files' contents (paths, whose bytes count, not their names). */
    public static String hash(Object... inputs) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Object input : inputs) {
                if (input instanceof Path file) {
                    try (InputStream in = Files.newInputStream(file)) {
                        byte[] buffer = new byte[65536];
                        for (int read; (read = in.read(buffer)) > 0; ) {
                            digest.update(buffer, 0, read);
                        }
                    }
                } else {
                    digest.update(String.valueOf(input).getBytes(StandardCharsets.UTF_8));
                }
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
