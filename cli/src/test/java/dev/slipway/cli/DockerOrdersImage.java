package dev.slipway.cli;

import dev.slipway.image.Application;
import dev.slipway.image.BaseImage;
import dev.slipway.image.BuildRequest;
import dev.slipway.image.ImageBuilder;
import dev.slipway.image.ImageResult;
import dev.slipway.image.ImageTarget;
import dev.slipway.image.RegistryAccess;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
 * The orders service as a container image, made here without pulling anything:
 * <ol>
 *   <li>a base: a JRE jlinked from this machine's JDK with the modules the orders fat jar needs (jdeps) at
 *       {@code /opt/jre}, plus the shared libraries ldd says it loads, at the paths ldd names, {@code docker import}ed
 *       from a rootfs tar;</li>
 *   <li>the application: the base {@code docker save}d, and the orders jar built onto it by slipway's own
 *       {@link ImageBuilder} into a {@code docker save} tar, then {@code docker load}ed. Its entrypoint is
 *       {@code /opt/jre/bin/java <flags> -cp /app/orders-1.0.0.jar <Main-Class>}, so a release runs it with
 *       {@code run.command: ["image:<reference>"]} alone.</li>
 * </ol>
 * Both tags are hashes of what went in, so repeated runs reuse the images; a new build removes the outdated ones of the
 * same repositories.
 */
final class DockerOrdersImage {
    static final String BASE_REPOSITORY = "slipway-test/orders-jre";
    static final String REPOSITORY = "slipway-test/orders";
    /** What jdeps --multi-release 17 --print-module-deps says orders-1.0.0.jar needs, plus the EC crypto provider. */
    private static final String MODULES = "java.base,java.desktop,java.management,java.naming,java.security.jgss,"
            + "java.sql,jdk.httpserver,jdk.crypto.ec";
    /** Tuned to start fast and stay small, as the local rollout test runs it. */
    static final List<String> JVM_FLAGS = List.of("-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:-UsePerfData");
    private static final Path WORK = Path.of("target/docker-orders-image").toAbsolutePath();

    private static String reference;

    private DockerOrdersImage() {
    }

    /** The application image's reference, building what the engine lacks. */
    static synchronized String reference(Path ordersJar) {
        if (reference != null) {
            return reference;
        }
        try {
            long started = System.nanoTime();
            String base = baseImage();
            String candidate = REPOSITORY + ":" + hash(base, ordersJar);
            if (!present(candidate)) {
                Path baseTar = WORK.resolve("base.tar");
                Path appTar = WORK.resolve("orders.tar");
                DockerServices.runOrFail(List.of("docker", "save", "-o", baseTar.toString(), base), 300);
                Application application = Application.jar(ordersJar, List.of()).withJvmFlags(JVM_FLAGS);
                BuildRequest request = new BuildRequest(BaseImage.dockerArchive(baseTar), application,
                        ImageTarget.dockerArchive(appTar, candidate), "/app", "/opt/jre/bin/java", Map.of(), List.of());
                ImageResult result = new ImageBuilder(RegistryAccess.standard()).build(request);
                DockerServices.runOrFail(List.of("docker", "load", "-i", appTar.toString()), 300);
                Files.deleteIfExists(baseTar);
                Files.deleteIfExists(appTar);
                removeOutdated(REPOSITORY, candidate);
                System.out.println("built " + candidate + " (" + result.layerNames() + ") in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms");
            }
            reference = candidate;
            return reference;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the orders image: " + e.getMessage(), e);
        }
    }

    private static String baseImage() throws IOException {
        Path jre = jlinked();
        Map<String, Path> libraries = sharedLibraries(jre);
        String candidate = BASE_REPOSITORY + ":" + hash(jre.resolve("release"), String.join(",", libraries.keySet()));
        if (present(candidate)) {
            return candidate;
        }
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
        for (Map.Entry<String, Path> library : libraries.entrySet()) {
            Path target = rootfs.resolve(library.getKey().substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(library.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
        }
        Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path tar = WORK.resolve("rootfs.tar");
        DockerServices.runOrFail(List.of("tar", "--owner=0", "--group=0", "--numeric-owner", "-C", rootfs.toString(),
                "-cf", tar.toString(), "."), 120);
        DockerServices.runOrFail(List.of("docker", "import", "--change", "ENV PATH=/opt/jre/bin:/usr/bin:/bin",
                "--change", "ENV JAVA_HOME=/opt/jre", tar.toString(), candidate), 120);
        Files.delete(tar);
        deleteRecursively(rootfs);
        removeOutdated(BASE_REPOSITORY, candidate);
        return candidate;
    }

    private static boolean present(String image) {
        return DockerServices.run(List.of("docker", "image", "inspect", image), 30).exitCode() == 0;
    }

    private static void removeOutdated(String repository, String current) {
        String listed = DockerServices.run(List.of("docker", "images", repository, "--format",
                "{{.Repository}}:{{.Tag}}"), 30).output();
        for (String image : listed.lines().map(String::trim).toList()) {
            if (!image.isEmpty() && !image.equals(current)) {
                DockerServices.run(List.of("docker", "rmi", image), 60);
            }
        }
    }

    private static Path jlinked() {
        Path output = WORK.resolve("jre");
        Path marker = WORK.resolve("jre.modules");
        try {
            if (Files.isExecutable(output.resolve("bin/java")) && Files.exists(marker)
                    && Files.readString(marker).equals(MODULES)) {
                return output;
            }
            deleteRecursively(output);
            Files.createDirectories(WORK);
            Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
            DockerServices.runOrFail(List.of(jlink.toString(), "--add-modules", MODULES, "--strip-debug",
                    "--no-man-pages", "--no-header-files", "--compress=2", "--output", output.toString()), 300);
            Files.writeString(marker, MODULES);
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
            for (String line : DockerServices.run(List.of("ldd", binary.toString()), 30).output().split("\n")) {
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

    private static String hash(Object... inputs) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Object input : inputs) {
            if (input instanceof Path file) {
                try (InputStream in = Files.newInputStream(file)) {
                    byte[] buffer = new byte[65536];
                    for (int read; (read = in.read(buffer)) > 0; ) {
                        digest.update(buffer, 0, read);
                    }
                }
            } else {
                digest.update(String.valueOf(input).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            digest.update((byte) 0);
        }
        digest.update(String.join(" ", JVM_FLAGS).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
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
