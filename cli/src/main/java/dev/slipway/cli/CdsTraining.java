package dev.slipway.cli;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run of the launcher's AppCDS archive: the quick commands answered once, against a stand-in API on
 * loopback that serves a typical status, so the archive holds exactly the classes {@code slipway status} and
 * {@code slipway --version} load. The launcher runs it with {@code -XX:ArchiveClassesAtExit} after each build.
 */
final class CdsTraining {
    private static final String STATUS = """
            {"service":"orders","stable":{"version":"1.0.0","schema":[1,1],"replicas":2,"readyReplicas":2},
             "canary":{"version":"2.0.0","schema":[1,2],"replicas":2,"readyReplicas":2},"canaryWeight":20,
             "schemaState":[1,2],"migration":{"version":2,"name":"split_name","phase":"expanded"},
             "schemaUpdatePending":true,"contractAt":null,"desiredVersion":"2.0.0",
             "rollout":{"id":3,"from":"1.0.0","to":"2.0.0","phase":"PAUSED","step":1,"weight":20,"message":"pause 30s",
                        "startedAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:10Z","steps":4},
             "actions":[{"action":"rollout promote","allowed":true,"reason":"a rollout of 2.0.0 is in progress"}],
             "recentEvents":[{"at":"2026-01-01T00:00:10Z","event":"2.0.0: pause 30s","weights":{"1.0.0":80,"2.0.0":20},
                              "schemaState":[1,2],"runningVersions":["1.0.0","2.0.0"]}]}""";

    private CdsTraining() {
    }

    static void run() throws IOException {
        Path directory = Files.createTempDirectory("slipway-cds");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = STATUS.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            Files.writeString(directory.resolve("api.json"), "{\"url\": \"http://127.0.0.1:" + server.getAddress().getPort()
                    + "\", \"token\": \"training\", \"pid\": " + ProcessHandle.current().pid() + ", \"service\": \"orders\"}");
            PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
            Launcher.quick(new String[] {"--version"}, discard, discard);
            Launcher.quick(new String[] {"status", "--state-dir", directory.toString()}, discard, discard);
        } finally {
            server.stop(0);
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
