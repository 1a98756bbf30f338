package dev.slipway.runtime.local;

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
 * A tiny service launched as a real child process by the tests. It listens on {@code HOST:PORT} and answers
 * {@code /ready}, {@code /live}, {@code /env?name=X} and {@code /pid}. Misbehaviour is switched on by environment:
 * {@code NEVER_READY=1}, {@code READY_DELAY_MS=n}, {@code EXIT_AFTER_MS=n} (exits with code 3 n ms after it first
 * answered a readiness probe, or after its start if it never gets ready), {@code IGNORE_SIGTERM=1} (only SIGKILL
 * ends it), {@code LIVE_FAIL_AFTER_MS=n} (liveness fails from then on; with
 * {@code LIVE_FAIL_ONCE_FILE=path} only in the first process, which creates that file).
 */
public final class TestBackend {
    private TestBackend() {
    }

    public static void main(String[] arguments) throws IOException {
        long startedAt = System.currentTimeMillis();
        String host = System.getenv().getOrDefault("HOST", "127.0.0.1");
        int port = Integer.parseInt(System.getenv("PORT"));
        boolean neverReady = "1".equals(System.getenv("NEVER_READY"));
        long readyDelay = number("READY_DELAY_MS", 0);
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
            boolean ready = !neverReady && System.currentTimeMillis() - startedAt >= readyDelay;
            if (ready) {
                armExit.run();
            }
            answer(exchange, ready ? 200 : 503, ready ? "ready" : "not ready");
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
        server.createContext("/pid", exchange -> answer(exchange, 200, Long.toString(ProcessHandle.current().pid())));
        server.start();
        System.out.println("listening on " + host + ":" + port);

        boolean ignoreSigterm = "1".equals(System.getenv("IGNORE_SIGTERM"));
        java.lang.Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (exitingOnItsOwn.get()) {
                return;
            }
            if (ignoreSigterm) {
                System.out.println("ignoring SIGTERM");
                sleepForever();
            }
            System.out.println("shutting down on SIGTERM");
            server.stop(0);
        }));

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

    private static void sleepForever() {
        while (true) {
            sleep(60_000);
        }
    }
}
