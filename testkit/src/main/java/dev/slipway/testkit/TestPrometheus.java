package dev.slipway.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Prometheus server (Debian's {@code prometheus}) for a test: on a free loopback port, with a temporary
 * configuration that scrapes the given targets every second and a temporary data directory, both removed on close.
 * Tests need it through {@link #start}, which skips (or, under {@code SLIPWAY_CI_STRICT=1}, fails) when the binary is
 * missing; {@code .ci/run} installs it.
 */
public final class TestPrometheus implements AutoCloseable {
    private final Process process;
    private final Path directory;
    private final URI address;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private TestPrometheus(Process process, Path directory, URI address) {
        this.process = process;
        this.directory = directory;
        this.address = address;
    }

    /** A scrape target: {@code host:port} and the path of its metrics. */
    public record Target(String job, String hostPort, String metricsPath) {
    }

    public static void require() {
        TestServices.require(TestServices.onPath("prometheus"),
                "prometheus is not installed (apt-get install prometheus, or run .ci/run)");
    }

    /** Starts Prometheus scraping {@code targets} every second and waits until it is ready. */
    public static TestPrometheus start(List<Target> targets) {
        require();
        try {
            Path directory = Files.createTempDirectory("slipway-prometheus");
            int port = TestServices.freePort();
            String scrapes = targets.stream().map(target -> """
                      - job_name: %s
                        metrics_path: %s
                        static_configs:
                          - targets: ['%s']
                    """.formatted(target.job(), target.metricsPath(), target.hostPort())).collect(Collectors.joining());
            Path config = directory.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                    """ + scrapes);
            Process process = new ProcessBuilder("prometheus", "--config.file=" + config,
                    "--storage.tsdb.path=" + directory.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=warn")
                    .redirectErrorStream(true).redirectOutput(directory.resolve("prometheus.log").toFile()).start();
            TestPrometheus prometheus = new TestPrometheus(process, directory, URI.create("http://127.0.0.1:" + port));
            prometheus.awaitReady();
            return prometheus;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start prometheus", e);
        }
    }

    /** Its base URL, e.g. {@code http://127.0.0.1:41234}: what a spec's {@code prometheus.address} names. */
    public String address() {
        return address.toString();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited: " + log());
            }
            if (get("/-/ready").map(body -> true).orElse(false)) {
                return;
            }
            pause();
        }
        throw new IllegalStateException("prometheus was not ready within 60 s: " + log());
    }

    /**
     * Waits (up to a minute) until the answer of an instant query satisfies {@code done}, e.g. until a scrape has
     * seen a series. Returns the answer.
     */
    public String awaitQuery(String promql, Predicate<String> done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = get("/api/v1/query?query=" + java.net.URLEncoder.encode(promql, StandardCharsets.UTF_8)).orElse("");
            if (done.test(last)) {
                return last;
            }
            pause();
        }
        throw new IllegalStateException("query " + promql + " never satisfied the test; last answer: " + last);
    }

    private java.util.Optional<String> get(String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(address.resolve(path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? java.util.Optional.of(response.body()) : java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private String log() {
        try {
            return Files.readString(directory.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
