package dev.slipway.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's docker-registry (Distribution 2.8) on 127.0.0.1:<free port>, storing into a temporary directory, without
 * auth. Bytes uploaded are measured from that directory's blob store. {@link #serveAlsoOn} starts one more registry
 * process on the same storage at another address (e.g. the host's end of a test network namespace), so that Docker
 * engines that cannot reach this machine's loopback pull what was pushed here.
 */
public final class TestRegistry implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final Path directory;
    private final Path storage;
    private final int port;

    private TestRegistry(Path directory, Path storage, int port) {
        this.directory = directory;
        this.storage = storage;
        this.port = port;
    }

    /** Starts one, or skips (fails under SLIPWAY_CI_STRICT=1) when docker-registry is not installed. */
    public static TestRegistry start(Path directory) throws Exception {
        TestServices.requireRegistry();
        TestRegistry registry = new TestRegistry(directory,
                Files.createDirectories(directory.resolve("registry-storage")), TestServices.freePort());
        registry.serve("127.0.0.1");
        return registry;
    }

    /**
     * Serves the same images at {@code address}:{@link #port()} too; returns that registry host, e.g.
     * {@code 10.77.0.1:41234}. Engines must be told it is insecure (plain HTTP): {@code --insecure-registry}.
     */
    public String serveAlsoOn(String address) throws Exception {
        serve(address);
        return address + ":" + port;
    }

    private void serve(String address) throws Exception {
        String name = address.replace(':', '_');
        Path config = directory.resolve("registry-" + name + ".yml");
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
                  addr: %s:%d
                """.formatted(storage, address, port));
        Path log = directory.resolve("registry-" + name + ".log");
        Process process = new ProcessBuilder("docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(process);
        awaitReady(process, address + ":" + port, log);
    }

    private void awaitReady(Process process, String host, Path log) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/"))
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
        throw new IllegalStateException("docker-registry did not answer on " + host + ": " + Files.readString(log));
    }

    /** "127.0.0.1:port" */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String reference(String repositoryAndTag) {
        return host() + "/" + repositoryAndTag;
    }

    /** Bytes in the blob store: layers, configs and manifests the registry received. */
    public long storedBlobBytes() throws IOException {
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
        for (Process process : processes) {
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
}
