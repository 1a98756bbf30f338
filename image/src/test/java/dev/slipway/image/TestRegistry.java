package dev.slipway.image;

import dev.slipway.testkit.TestServices;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's docker-registry (Distribution 2.8) on 127.0.0.1:<free port>, storing into a temporary
 * directory, without auth. Bytes uploaded are measured from that directory's blob store.
 */
final class TestRegistry implements AutoCloseable {
    private final Process process;
    private final Path storage;
    private final int port;

    private TestRegistry(Process process, Path storage, int port) {
        this.process = process;
        this.storage = storage;
        this.port = port;
    }

    /** Starts one, or skips (fails under SLIPWAY_CI_STRICT=1) when docker-registry is not installed. */
    static TestRegistry start(Path directory) throws Exception {
        TestServices.requireRegistry();
        int port = TestServices.freePort();
        Path storage = Files.createDirectories(directory.resolve("registry-storage"));
        Path config = directory.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(storage, port));
        Process process = new ProcessBuilder("docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(directory.resolve("registry.log").toFile()).start();
        TestRegistry registry = new TestRegistry(process, storage, port);
        registry.awaitReady(directory.resolve("registry.log"));
        return registry;
    }

    private void awaitReady(Path log) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create("http://" + host() + "/v2/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        close();
        throw new IllegalStateException("docker-registry did not answer on " + host() + ": " + Files.readString(log));
    }

    /** "127.0.0.1:port" */
    String host() {
        return "127.0.0.1:" + port;
    }

    String reference(String repositoryAndTag) {
        return host() + "/" + repositoryAndTag;
    }

    /** Bytes in the blob store: layers, configs and manifests the registry received. */
    long storedBlobBytes() throws IOException {
        Path blobs = storage.resolve("docker/registry/v2/blobs");
        if (!Files.exists(blobs)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(blobs)) {
            return walk.filter(Files::isRegularFile).mapToLong(path -> {
                try {
                    return Files.size(path);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
