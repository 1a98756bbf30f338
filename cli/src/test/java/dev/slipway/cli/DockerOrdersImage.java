package dev.slipway.cli;

import dev.slipway.image.Application;
import dev.slipway.image.BaseImage;
import dev.slipway.image.BuildRequest;
import dev.slipway.image.ImageBuilder;
import dev.slipway.image.ImageResult;
import dev.slipway.image.ImageTarget;
import dev.slipway.image.PatchBuilder;
import dev.slipway.image.PatchRequest;
import dev.slipway.image.PatchResult;
import dev.slipway.image.RegistryAccess;
import dev.slipway.testkit.TestJre;
import dev.slipway.testkit.TestRegistry;
import dev.slipway.testkit.TestServices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An orders jar as a container image, made here without pulling anything: testkit's JRE image with the modules the
 * orders fat jar needs (jdeps) as the base, {@code docker save}d, and the jar built onto it by slipway's own
 * {@link ImageBuilder} into a {@code docker save} tar, then {@code docker load}ed. Its entrypoint is
 * {@code /opt/jre/bin/java <flags> -cp /app/<jar> <Main-Class>}, so a release runs it with
 * {@code run.command: ["image:<reference>"]} alone.
 *
 * <p>Each jar has its own repository ({@code slipway-testkit/orders-1.0.0}) and a tag that hashes what went in, so
 * repeated runs reuse the images; a new build removes the outdated tags of the same repository. {@link #pushed}
 * builds the same image into a registry instead, for the swarm runtime, whose nodes pull what they run.
 */
final class DockerOrdersImage {
    private static final String BASE_REPOSITORY = "slipway-testkit/orders-jre";
    /** What jdeps --multi-release 17 --print-module-deps says the orders jars need, plus the EC crypto provider. */
    private static final String MODULES = "java.base,java.desktop,java.management,java.naming,java.security.jgss,"
            + "java.sql,jdk.httpserver,jdk.crypto.ec";
    /** Tuned to start fast and stay small, as the local rollout test runs it. */
    private static final List<String> JVM_FLAGS = List.of("-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:-UsePerfData");
    private static final Path WORK = Path.of("target/docker-orders-image").toAbsolutePath();

    private static final Map<Path, String> references = new HashMap<>();

    private DockerOrdersImage() {
    }

    /** The image reference of {@code ordersJar}, building what the engine lacks. */
    static synchronized String reference(Path ordersJar) {
        String known = references.get(ordersJar);
        if (known != null) {
            return known;
        }
        try {
            long started = System.nanoTime();
            String base = TestJre.dockerImage(BASE_REPOSITORY, MODULES, Map.of());
            String repository = repository(ordersJar);
            String candidate = repository + ":" + TestJre.hash(base, ordersJar, String.join(" ", JVM_FLAGS));
            if (TestServices.run(List.of("docker", "image", "inspect", candidate), 30).exitCode() != 0) {
                Path appTar = WORK.resolve("orders.tar");
                ImageResult result = build(ordersJar, ImageTarget.dockerArchive(appTar, candidate),
                        RegistryAccess.standard());
                TestServices.runOrFail(List.of("docker", "load", "-i", appTar.toString()), 300);
                Files.deleteIfExists(appTar);
                TestServices.removeOtherTags(repository, candidate);
                System.out.println("built " + candidate + " (" + result.layerNames() + ") in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms");
            }
            references.put(ordersJar, candidate);
            return candidate;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the image of " + ordersJar + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code ordersJar} built by slipway's {@link ImageBuilder} straight into {@code registry} (plain HTTP on
     * loopback, as {@code slipway image build --insecure} does), as a Swarm node pulls it:
     * {@code <registry>/slipway-testkit/<jar>@sha256:...}. Only blobs the registry lacks are sent.
     */
    static synchronized String pushed(Path ordersJar, TestRegistry registry) {
        String repository = repository(ordersJar);
        ImageResult result = build(ordersJar, ImageTarget.registry(registry.reference(repository + ":test")),
                RegistryAccess.insecureLoopback());
        return registry.host() + "/" + repository + "@" + result.digest();
    }

    /**
     * A thin patch of {@code pushedImage} (as {@code slipway image patch} makes it): one layer adding
     * {@code /etc/slipway/patch.txt}, pushed to {@code registry} and named by digest.
     */
    static String patched(String pushedImage, TestRegistry registry, Path work) throws IOException {
        Path source = Files.createDirectories(work.resolve("patch"));
        Files.writeString(source.resolve("patch.txt"), "patched for the swarm test\n");
        String repository = "slipway-testkit/orders-patched";
        PatchResult result = new PatchBuilder(RegistryAccess.insecureLoopback()).patch(PatchRequest.of(
                BaseImage.registry(pushedImage), source, "/etc/slipway",
                ImageTarget.registry(registry.reference(repository + ":test"))));
        if (!result.added().contains("/etc/slipway/patch.txt") || !result.changed().isEmpty()
                || !result.deleted().isEmpty()) {
            throw new IllegalStateException("the patch should add one file and change nothing: " + result);
        }
        return registry.host() + "/" + repository + "@" + result.image().digest();
    }

    private static ImageResult build(Path ordersJar, ImageTarget target, RegistryAccess access) {
        try {
            String base = TestJre.dockerImage(BASE_REPOSITORY, MODULES, Map.of());
            Files.createDirectories(WORK);
            Path baseTar = WORK.resolve("base-" + base.substring(base.indexOf(':') + 1) + ".tar");
            if (!Files.exists(baseTar)) {
                TestServices.runOrFail(List.of("docker", "save", "-o", baseTar.toString(), base), 300);
            }
            Application application = Application.jar(ordersJar, List.of()).withJvmFlags(JVM_FLAGS);
            return new ImageBuilder(access).build(new BuildRequest(BaseImage.dockerArchive(baseTar), application,
                    target, "/app", "/opt/jre/bin/java", Map.of(), List.of()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the image of " + ordersJar + ": " + e.getMessage(), e);
        }
    }

    private static String repository(Path ordersJar) {
        return "slipway-testkit/" + ordersJar.getFileName().toString().replaceFirst("\\.jar$", "");
    }
}
