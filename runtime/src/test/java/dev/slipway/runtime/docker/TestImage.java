package dev.slipway.runtime.docker;

import dev.slipway.testkit.TestJre;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The image the docker and swarm runtimes' tests run: testkit's JRE image ({@code java.base} and {@code jdk.httpserver}) with
 * {@link ContainerBackend}'s classes at {@code /app}, cached by content like every testkit image.
 */
public final class TestImage {
    private static final String REPOSITORY = "slipway-testkit/runtime-docker-backend";
    private static final String MODULES = "java.base,jdk.httpserver";

    private TestImage() {
    }

    /** The image reference, building the image if the engine does not have it yet. */
    public static String reference() {
        return TestJre.dockerImage(REPOSITORY, MODULES, backendClasses());
    }

    /** The container command that runs the backend, tuned to start fast. */
    public static List<String> backendCommand() {
        return List.of(ImageCommand.PREFIX + reference(), "/opt/jre/bin/java", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx32m", "-XX:-UsePerfData", "-cp", "/app", ContainerBackend.class.getName());
    }

    /** Image path → class file, for ContainerBackend and its nested classes. */
    private static Map<String, Path> backendClasses() {
        String packagePath = ContainerBackend.class.getPackageName().replace('.', '/');
        try {
            Path root = Path.of(ContainerBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            try (Stream<Path> files = Files.list(root.resolve(packagePath))) {
                return files.filter(file -> {
                    String name = file.getFileName().toString();
                    return name.equals("ContainerBackend.class") || name.startsWith("ContainerBackend$");
                }).collect(Collectors.toMap(file -> "/app/" + packagePath + "/" + file.getFileName(),
                        Function.identity()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
