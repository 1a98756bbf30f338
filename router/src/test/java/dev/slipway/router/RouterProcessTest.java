package dev.slipway.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The router in a process of its own: it outlives the controller that started it and serves on. */
class RouterProcessTest {

    @TempDir
    Path stateDirectory;

    private final TestUpstream stable = TestUpstream.start("stable");
    private final TestUpstream canary = TestUpstream.start("canary");

    @AfterEach
    void stopEverything() {
        // A failed test must not leave a router process behind.
        RouterProcess.adopt(stateDirectory).ifPresent(RouterProcess::stop);
        stable.close();
        canary.close();
    }

    @Test
    void aNewControllerAdoptsTheRunningRouterWithoutAFailedRequest() throws Exception {
        RouterProcess first = RouterProcess.spawn(stateDirectory, "127.0.0.1:0");
        first.router().route(RouteTable.single(backend("1.0.0", 100, stable)));
        SteadyClient client = SteadyClient.start(new Http(first.router().address()), 200, Duration.ofMillis(10));
        client.awaitServed(50);

        // The first controller goes away: its client closes, the router process does not.
        first.router().close();
        RouterProcess second = RouterProcess.adopt(stateDirectory).orElseThrow();
        assertThat(second.pid()).isEqualTo(first.pid());
        assertThat(second.router().routes()).isEqualTo(RouteTable.single(backend("1.0.0", 100, stable)));
        second.router().route(new RouteTable(List.of(backend("1.0.0", 50, stable), backend("2.0.0", 50, canary)),
                List.of()));

        client.finish();
        assertThat(client.failures).isEmpty();
        assertThat(client.served.get()).isEqualTo(200);
        assertThat(client.revisions).containsKeys("1.0.0", "2.0.0");
        assertThat(second.router().metrics("2.0.0").requests()).isPositive();

        assertThat(second.stop()).isTrue();
        assertThat(second.isAlive()).isFalse();
        assertThat(ProcessHandle.of(first.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(second.stateFile()).doesNotExist();
        assertThat(RouterProcess.adopt(stateDirectory)).isEmpty();
    }

    @Test
    void aPreviewListenerIsOpenedRecordedAndFoundAgainOnAdoption() {
        RouterProcess router = RouterProcess.spawn(stateDirectory, "127.0.0.1:0", java.util.Optional.of("127.0.0.1:0"),
                stateDirectory.resolve("router.log"));
        java.net.InetSocketAddress preview = router.router().previewAddress().orElseThrow();
        router.router().route(new RouteTable(List.of(backend("1.0.0", 100, stable), backend("2.0.0", 0, canary)),
                List.of()).withPreview("2.0.0"));

        assertThat(new Http(preview).get("/").body()).isEqualTo("canary");
        assertThat(new Http(router.router().address()).get("/").body()).isEqualTo("stable");
        router.router().close();
        RouterProcess adopted = RouterProcess.adopt(stateDirectory).orElseThrow();
        assertThat(adopted.router().previewAddress()).contains(preview);
        assertThat(adopted.router().routes().previewRevision()).contains("2.0.0");
        assertThat(adopted.stop()).isTrue();
    }

    @Test
    void aRouterProcessServesTheListenAddressAndSettingsOfTheSpec() {
        dev.slipway.model.RouterSpec defaults = dev.slipway.model.RouterSpec.defaults();
        dev.slipway.model.RouterSpec spec = new dev.slipway.model.RouterSpec("[::1]:0", java.util.Optional.empty(),
                "127.0.0.1:0", java.util.Optional.empty(), defaults.timeouts(), 5,
                List.of(dev.slipway.model.AddressRange.parse("::1")));
        RouterProcess router = RouterProcess.spawn(stateDirectory, spec, stateDirectory.resolve("router.log"));
        router.router().route(RouteTable.single(backend("1.0.0", 1, stable)));

        java.net.InetSocketAddress address = router.router().address();
        assertThat(address.getAddress()).isInstanceOf(java.net.Inet6Address.class);
        HttpResponse<String> response = new Http(address).send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://[::1]:" + address.getPort() + "/headers?name=X-Forwarded-For"))
                .header("X-Forwarded-For", "198.51.100.7").build());
        assertThat(response.body()).as("::1 is a trusted proxy here").isEqualTo("198.51.100.7, 0:0:0:0:0:0:0:1");
        assertThat(router.stop()).isTrue();
    }

    @Test
    void theRouterOutlivesAKilledController() throws Exception {
        Process controller = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ControllerStandIn.class.getName(), stateDirectory.toString())
                .redirectErrorStream(true).start();
        long routerPid;
        try (BufferedReader output = new BufferedReader(new InputStreamReader(controller.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = waitForLine(output, "ready ");
            routerPid = Long.parseLong(line.substring("ready ".length()).trim());
        } finally {
            controller.destroyForcibly(); // kill -9
            controller.waitFor(5, TimeUnit.SECONDS);
        }

        RouterProcess adopted = RouterProcess.adopt(stateDirectory).orElseThrow();
        assertThat(adopted.pid()).isEqualTo(routerPid);
        adopted.router().route(RouteTable.single(backend("1.0.0", 1, stable)));
        HttpResponse<String> response = new Http(adopted.router().address()).get("/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("stable");
        assertThat(adopted.stop()).isTrue();
    }

    @Test
    void stoppingLetsAnInFlightRequestFinish() {
        RouterProcess router = RouterProcess.spawn(stateDirectory, "127.0.0.1:0");
        router.router().route(RouteTable.single(backend("1.0.0", 1, stable)));
        Http http = new Http(router.router().address());
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> http.get("/slow?ms=500"));
        assertThat(Http.await(stable::activeRequests, active -> active == 1)).isEqualTo(1);

        assertThat(router.stop()).isTrue();

        assertThat(slow.join().statusCode()).isEqualTo(200);
        assertThat(router.isAlive()).isFalse();
        assertThat(stateDirectory.resolve("logs/router.log")).content().contains("stopping", "stopped");
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> RouterCommandLine.parse(new String[] {"--admin", "127.0.0.1:0"}))
                .hasMessage("--listen HOST:PORT is required");
        assertThatThrownBy(() -> RouterCommandLine.parse(new String[] {"--listen", "8080"}))
                .hasMessage("--listen: \"8080\" is not host:port");
        assertThatThrownBy(() -> RouterCommandLine.parse(new String[] {"--listen", "127.0.0.1:1", "--parent-pid", "1"}))
                .hasMessage("unknown argument --parent-pid");
        assertThatThrownBy(() -> RouterCommandLine.parse(new String[] {"--listen", "127.0.0.1:1", "--tls-key", "k.pem"}))
                .hasMessage("--tls-certificate and --tls-key go together");
        assertThatThrownBy(() -> RouterCommandLine.parse(new String[] {"--listen", "127.0.0.1:1", "--timeouts", "header=0s"}))
                .hasMessageContaining("--timeouts: timeout PT0S is not positive");
        assertThatThrownBy(() -> RouterCommandLine.parse(new String[] {"--listen", "127.0.0.1:1", "--timeouts", "head=1s"}))
                .hasMessageStartingWith("--timeouts: unknown timeout 'head'");
        assertThatThrownBy(() -> RouterCommandLine.parse(new String[] {"--listen", "127.0.0.1:1", "--trusted-proxies", "x"}))
                .hasMessageStartingWith("--trusted-proxies: 'x' is not an IP address or CIDR range");
        RouterCommandLine arguments = RouterCommandLine.parse(new String[] {"--listen", "127.0.0.1:8080",
                "--state-file", "/run/router.json"});
        assertThat(arguments.router().listen()).isEqualTo("127.0.0.1:8080");
        assertThat(arguments.router().admin()).isEqualTo("127.0.0.1:0");
        assertThat(arguments.router().timeouts()).isEqualTo(dev.slipway.model.RouterSpec.Timeouts.defaults());
        assertThat(arguments.stateFile()).isEqualTo(Path.of("/run/router.json"));
        assertThat(arguments.tokenFile()).isNull();
    }

    @Test
    void theCommandLineCarriesTheWholeRouterSection() {
        dev.slipway.model.RouterSpec spec = dev.slipway.model.SpecParser.parse("/srv/slipway.yaml", """
                service: orders
                router:
                  listen: "[::]:8443"
                  preview: 0.0.0.0:8444
                  admin: 127.0.0.2:9090
                  tls: {certificate: cert.pem, key: key.pem}
                  timeouts: {header: 5s, bodyIdle: 20s, keepAliveIdle: 2m, upstreamConnect: 500ms, upstreamResponse: 10s,
                             upstreamIdle: 45s}
                  maxConnections: 2000
                  trustedProxies: [10.0.0.0/8, "fd00::/8"]
                release: {version: 1.0.0, run: {command: [app]}, schema: 1, strategy: {rolling: {}}}
                """).router();
        RouterCommandLine commandLine = new RouterCommandLine(spec, Path.of("/run/router.json"), Path.of("/run/token"));

        RouterCommandLine read = RouterCommandLine.parse(commandLine.arguments().toArray(String[]::new));

        assertThat(read).isEqualTo(commandLine);
    }

    @Test
    void theStateDirectoryIsPrivateAndNeitherASecondNorAStaleRouterIsTrusted() throws Exception {
        RouterProcess router = RouterProcess.spawn(stateDirectory, "127.0.0.1:0");
        Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

        assertThat(Files.getPosixFilePermissions(router.stateFile())).isEqualTo(ownerOnly);
        assertThat(Files.getPosixFilePermissions(stateDirectory.resolve(RouterProcess.TOKEN_FILE_NAME)))
                .isEqualTo(ownerOnly);
        assertThat(Files.readString(router.stateFile())).contains("\"pid\":" + router.pid())
                .doesNotContain(Files.readString(stateDirectory.resolve(RouterProcess.TOKEN_FILE_NAME)).trim());
        assertThat(stateDirectory.resolve("logs/router.log")).content().contains("clients on 127.0.0.1:");
        assertThatThrownBy(() -> RouterProcess.spawn(stateDirectory, "127.0.0.1:0"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a router (pid " + router.pid())
                .hasMessageContaining("adopt it, or stop it first");

        String state = Files.readString(router.stateFile());
        router.stop();
        Files.writeString(router.stateFile(), state); // as if the router had been killed without cleaning up

        assertThat(RouterProcess.adopt(stateDirectory)).isEmpty();
    }

    @Test
    void aRouterThatCannotListenExplainsWhyFromItsLog() {
        try (BuiltInRouter occupant = BuiltInRouter.start(RouterConfig.onLoopback())) {
            String taken = "127.0.0.1:" + occupant.address().getPort();

            assertThatThrownBy(() -> RouterProcess.spawn(stateDirectory, taken))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exited with status 1 before it listened")
                    .hasMessageContaining("Address already in use");
        }
        assertThat(RouterProcess.adopt(stateDirectory)).isEmpty();
    }

    private static String waitForLine(BufferedReader output, String prefix) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                for (String next = output.readLine(); next != null; next = output.readLine()) {
                    if (next.startsWith(prefix)) {
                        return next;
                    }
                    seen.append(next).append('\n');
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("the controller stand-in ended without '" + prefix + "':\n" + seen);
        });
        return line.get(30, TimeUnit.SECONDS);
    }

    /** Sends {@code total} GETs, one every {@code interval}, from a background thread, and records every failure. */
    private static final class SteadyClient {
        final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        final ConcurrentHashMap<String, Integer> revisions = new ConcurrentHashMap<>();
        final AtomicInteger served = new AtomicInteger();
        private CompletableFuture<Void> running;

        static SteadyClient start(Http http, int total, Duration interval) {
            SteadyClient client = new SteadyClient();
            client.running = CompletableFuture.runAsync(() -> {
                long next = System.nanoTime();
                for (int i = 0; i < total; i++) {
                    try {
                        HttpResponse<String> response = http.get("/");
                        if (response.statusCode() == 200) {
                            client.revisions.merge(Http.revisionOf(response), 1, Integer::sum);
                            client.served.incrementAndGet();
                        } else {
                            client.failures.add("request " + i + ": " + response.statusCode() + " " + response.body());
                        }
                    } catch (RuntimeException e) {
                        client.failures.add("request " + i + ": " + e);
                    }
                    next += interval.toNanos();
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Http.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
                    }
                }
            });
            return client;
        }

        void awaitServed(int count) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (served.get() + failures.size() < count && System.nanoTime() < deadline) {
                Http.sleep(5);
            }
        }

        void finish() throws Exception {
            running.get(30, TimeUnit.SECONDS);
        }
    }
}
