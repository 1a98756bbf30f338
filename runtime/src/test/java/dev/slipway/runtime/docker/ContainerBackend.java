package dev.slipway.runtime.docker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The service inside the test image: {@link TestImage} copies this class (and nothing else from the tests) into a
 * rootfs with a jlinked JRE. It listens on {@code HOST:PORT} and answers {@code /ready}, {@code /live} and
 * {@code /env?name=X}. Misbehaviour is switched on by environment, as in the local runtime's test backend:
 * {@code NEVER_READY=1}, {@code EXIT_AFTER_MS=n} (exits with code 3 n ms after it first answered a readiness
 * probe, or after its start if it never gets ready), {@code IGNORE_SIGTERM=1} (only SIGKILL ends it),
 * {@code LIVE_FAIL_AFTER_MS=n} (liveness fails from then on; with {@code LIVE_FAIL_ONCE_FILE=path} only in the
 * first run, which creates that file in the container's own filesystem, kept across a restart),
 * {@code HEALTHY_AFTER_MS=n} (creates {@code /tmp/healthy} after n ms, for an image HEALTHCHECK that runs this class
 * with {@code check-file /tmp/healthy}: exit 0 when the file exists, 1 otherwise).
 */
public final class ContainerBackend {
    private ContainerBackend() {
    }

    public static void main(String[] arguments) throws IOException {
        if (arguments.length == 2 && arguments[0].equals("check-file")) {
            System.exit(Files.exists(Path.of(arguments[1])) ? 0 : 1);
        }
        long startedAt = System.currentTimeMillis();
        String host = System.getenv().getOrDefault("HOST", "127.0.0.1");
        int port = Integer.parseInt(System.getenv("PORT"));
        boolean neverReady = "1".equals(System.getenv("NEVER_READY"));
        long liveFailAfter = number("LIVE_FAIL_AFTER_MS", -1);
        boolean livenessMayFail = liveFailAfter >= 0 && mayFailLiveness();

        // the exit is timed from the first answered readiness probe, so that "crashes after it was ready" holds
        // however slowly a loaded machine starts it (from the start when it never gets ready)
        long exitAfter = number("EXIT_AFTER_MS", -1);
        AtomicBoolean exitArmed = new AtomicBoolean(exitAfter < 0);
        AtomicBoolean exitingOnItsOwn = new AtomicBoolean();
        Runnable armExit = () -> {
            if (exitArmed.compareAndSet(false, true)) {
                Thread exiter = new Thread(() -> {
                    sleep(exitAfter);
                    System.out.println("exiting with code 3 as told");
                    exitingOnItsOwn.set(true);
                    System.exit(3);
                });
                exiter.setDaemon(true);
                exiter.start();
            }
        };

        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 50);
        server.createContext("/ready", exchange -> {
            if (!neverReady) {
                armExit.run();
            }
            answer(exchange, neverReady ? 503 : 200, neverReady ? "not ready" : "ready");
        });
        server.createContext("/live", exchange -> {
            boolean live = !livenessMayFail || System.currentTimeMillis() - startedAt < liveFailAfter;
            answer(exchange, live ? 200 : 500, live ? "live" : "stuck");
        });
        server.createContext("/env", exchange -> {
            String name = exchange.getRequestURI().getQuery().substring("name=".length());
            String value = System.getenv(name);
            answer(exchange, value == null ? 404 : 200, value == null ? "" : value);
        });
        server.start();
        System.out.println("listening on " + host + ":" + port);

        boolean ignoreSigterm = "1".equals(System.getenv("IGNORE_SIGTERM"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (exitingOnItsOwn.get()) {
                return;
            }
            if (ignoreSigterm) {
                System.out.println("ignoring SIGTERM");
                while (true) {
                    sleep(60_000);
                }
            }
            System.out.println("shutting down on SIGTERM");
            server.stop(0);
        }));

        long healthyAfter = number("HEALTHY_AFTER_MS", -1);
        if (healthyAfter >= 0) {
            Thread healer = new Thread(() -> {
                sleep(healthyAfter);
                try {
                    Files.createFile(Path.of("/tmp/healthy"));
                } catch (IOException e) {
                    System.out.println("cannot create /tmp/healthy: " + e);
                }
            });
            healer.setDaemon(true);
            healer.start();
        }

        if (neverReady) {
            armExit.run();
        }
    }

    private static boolean mayFailLiveness() {
        String onceFile = System.getenv("LIVE_FAIL_ONCE_FILE");
        if (onceFile == null) {
            return true;
        }
        try {
            Files.createFile(Path.of(onceFile));
            return true;
        } catch (IOException alreadyFailedOnce) {
            return false;
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream output = exchange.getResponseBody()) {
            output.write(bytes);
        }
    }

    private static long number(String name, long fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : Long.parseLong(value);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
