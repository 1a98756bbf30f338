package dev.slipway.router;

import dev.slipway.model.RouterSpec;
import dev.slipway.model.support.AtomicFiles;
import dev.slipway.model.support.OwnerOnly;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The built-in router as a process of its own, so the controller can be killed ({@code kill -9}) and restarted
 * without a single client request failing. {@link #main} runs the router until SIGTERM; {@link #spawn} starts
 * one as a detached child (its own session, so a Ctrl-C or a dying controller does not reach it);
 * {@link #adopt} finds the one an earlier controller started. An instance is a handle on such a process:
 * its pid, a {@link RemoteRouter} to drive it, and {@link #stop()}.
 *
 * <p>A state directory holds {@value #STATE_FILE_NAME} (pid, addresses; written once the router listens,
 * removed when it stops), {@value #TOKEN_FILE_NAME} (the admin token) and {@code logs/router.log}.
 *
 * <pre>{@code
 * RouterProcess router = RouterProcess.adopt(stateDirectory)
 *         .orElseGet(() -> RouterProcess.spawn(stateDirectory, "127.0.0.1:8080"));
 * router.router().route(table);
 * }</pre>
 */
public final class RouterProcess {

    public static final String STATE_FILE_NAME = "router.json";
    public static final String TOKEN_FILE_NAME = "router.token";
    /**
     * JVM options of the router process. Netty's sampling leak detector is off, as is usual in production: the
     * test suites run the same code with it on, so a leak is found there. The per-access buffer checks stay on
     * (turning them off too saved a few percent of CPU per request in bench/router, not worth memory safety).
     * The serial collector: the router keeps about 5 MB live, so a young collection copies little and one thread does
     * it in about a millisecond, where G1 paused 7 to 14 ms on a busy 2-CPU machine (its parallel phases wait for
     * workers that share the CPUs with the proxied traffic), and every pause is a latency spike for each request in
     * flight. bench/router starts its router with these options too, so it measures what {@link #spawn} runs.
     */
    public static final List<String> JVM_OPTIONS = List.of("-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC",
            "-Dio.netty.leakDetection.level=disabled");
    static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final Duration KILL_WAIT = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(RouterProcess.class);
    private final long pid;
    private final Instant startedAt;
    private final Path stateFile;
    private final RemoteRouter router;
    private final Process child;

    private RouterProcess(ProcessHandle process, Path stateFile, RemoteRouter router, Process child) {
        this.pid = process.pid();
        this.startedAt = process.info().startInstant().orElse(null);
        this.stateFile = stateFile;
        this.router = router;
        this.child = child;
    }

    /**
     * Runs a router until SIGTERM: {@code --listen HOST:PORT [--admin HOST:PORT] [--state-file PATH]
     * [--token-file PATH]}; {@code --help} prints the details.
     */
    public static void main(String[] args) {
        RouterCommandLine arguments;
        try {
            arguments = RouterCommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("slipway router: " + e.getMessage());
            System.err.println(RouterCommandLine.USAGE);
            System.exit(2);
            return;
        }
        if (arguments == null) {
            System.out.println(RouterCommandLine.USAGE);
            return;
        }
        try {
            run(arguments);
        } catch (Exception e) { // Netty may throw checked exceptions undeclared
            System.err.println("slipway router: cannot start: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(RouterCommandLine arguments) {
        AdminAccess access;
        if (arguments.tokenFile() != null) {
            access = AdminAccess.bearer(RouterStateFile.readTokenFile(arguments.tokenFile()));
        } else {
            access = AdminAccess.open();
            say("WARNING: no --token-file: anyone who reaches the admin port " + arguments.router().admin()
                    + " may change the routes");
        }
        BuiltInRouter router = BuiltInRouter.start(RouterConfig.from(arguments.router()), access);
        if (!router.adminAddress().getAddress().isLoopbackAddress()) {
            say("WARNING: the admin port " + RouterStateFile.hostAndPort(router.adminAddress()) + " is reachable from"
                    + " other machines: anyone who reaches it reads metrics, routes and latency samples"
                    + (arguments.tokenFile() != null ? "" : " and may change the routes")
                    + "; keep it on loopback (router.admin) unless a firewall guards it");
        }
        long pid = ProcessHandle.current().pid();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            say("stopping: no new connections, in-flight requests finish (at most 2 s)");
            // The state file goes first, so nobody adopts a router that is on its way out.
            deleteStateFileIfOurs(arguments.stateFile(), pid);
            router.close();
            say("stopped");
            stopped.countDown();
        }, "slipway-router-shutdown"));
        if (arguments.stateFile() != null) {
            Path tokenFile = arguments.tokenFile() == null ? null : arguments.tokenFile().toAbsolutePath();
            new RouterStateFile(pid, router.address(), router.adminAddress(), tokenFile,
                    router.previewAddress().orElse(null)).write(arguments.stateFile());
        }
        say("pid " + pid + ": clients on " + RouterStateFile.hostAndPort(router.address())
                + router.previewAddress().map(address -> ", preview on " + RouterStateFile.hostAndPort(address)).orElse("")
                + ", admin on " + RouterStateFile.hostAndPort(router.adminAddress()));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts a router in its own process with clients on {@code listen} (e.g. {@code 127.0.0.1:8080}) and its log in
     * {@code stateDirectory/logs/router.log}; see {@link #spawn(Path, String, Path)}.
     */
    public static RouterProcess spawn(Path stateDirectory, String listen) {
        return spawn(stateDirectory, listen, stateDirectory.resolve("logs").resolve("router.log"));
    }

    /**
     * Starts {@code java -cp <this JVM's classpath> dev.slipway.router.RouterProcess} as a detached process with
     * a fresh admin token, and returns once its state file exists and {@code /healthz} answers with its pid.
     * Refuses when a router from an earlier controller still serves this state directory: {@link #adopt} it.
     *
     * @throws IllegalStateException if the router exits or does not answer within 20 s,
     *                               with the end of its log (e.g. "Address already in use")
     */
    public static RouterProcess spawn(Path stateDirectory, String listen, Path logFile) {
        return spawn(stateDirectory, listen, Optional.empty(), logFile);
    }

    /**
     * As {@link #spawn(Path, String, Path)}, with a preview listener on {@code preview} (e.g. {@code 127.0.0.1:8081})
     * when present: everything arriving there goes to the route table's preview revision.
     */
    public static RouterProcess spawn(Path stateDirectory, String listen, Optional<String> preview, Path logFile) {
        RouterSpec defaults = RouterSpec.defaults();
        return spawn(stateDirectory, new RouterSpec(listen, preview, defaults.admin(), Optional.empty(),
                defaults.timeouts(), defaults.maxConnections(), List.of()), logFile);
    }

    /**
     * Starts a router as {@code slipway.yaml}'s {@code router:} section describes it (listeners, admin address, TLS,
     * timeouts, connection limit, trusted proxies); see {@link #spawn(Path, String, Path)}.
     */
    public static RouterProcess spawn(Path stateDirectory, RouterSpec spec, Path logFile) {
        Endpoint.parseListenAddress(spec.listen()); // a bad address fails here, not in the child
        spec.preview().ifPresent(Endpoint::parseListenAddress);
        Path stateFile = stateDirectory.resolve(STATE_FILE_NAME);
        Path tokenFile = stateDirectory.resolve(TOKEN_FILE_NAME).toAbsolutePath();
        Optional<RouterProcess> running = adopt(stateDirectory);
        if (running.isPresent()) {
            running.get().router().close();
            throw new IllegalStateException("a router (pid " + running.get().pid() + ", clients on "
                    + RouterStateFile.hostAndPort(running.get().router().address()) + ") already serves " + stateDirectory
                    + ": adopt it, or stop it first");
        }
        long logStart;
        try {
            createPrivateDirectories(stateDirectory);
            OwnerOnly.directory(logFile.toAbsolutePath().getParent());
            OwnerOnly.file(logFile);
            Files.deleteIfExists(stateFile);
            logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare router state directory " + stateDirectory + ": "
                    + e.getMessage(), e);
        }
        AtomicFiles.writePrivately(tokenFile, newToken() + "\n");

        List<String> command = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            // A session of its own: a terminal's Ctrl-C or a signal to the controller's process group passes it by.
            // setsid execs in place (the JVM's children never lead a process group), so the pid stays the same.
            command.add("/usr/bin/setsid");
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), RouterProcess.class.getName()));
        command.addAll(new RouterCommandLine(spec, stateFile.toAbsolutePath(), tokenFile).arguments());
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the router process (" + String.join(" ", command.subList(0,
                    Math.min(command.size(), 2))) + "): " + e.getMessage(), e);
        }
        RouterProcess started = awaitStarted(process, stateFile, logFile, logStart);
        InetSocketAddress admin = started.router().adminAddress();
        if (!admin.getAddress().isLoopbackAddress()) {
            LOG.warn("the router's admin port {} is reachable from other machines (router.admin): metrics, routes and"
                    + " latency samples are readable by anyone who reaches it; changes need the token in {}",
                    RouterStateFile.hostAndPort(admin), tokenFile);
        }
        return started;
    }

    private static final String START_TIMEOUT_TEXT = "20 s";

    private static RouterProcess awaitStarted(Process process, Path stateFile, Path logFile, long logStart) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the router process exited with status " + process.exitValue()
                        + " before it listened; " + logFile + " ends with:\n" + tail(logFile, logStart));
            }
            if (Files.exists(stateFile)) {
                RouterStateFile state = RouterStateFile.read(stateFile);
                if (state.pid() == process.pid()) {
                    RemoteRouter router = RemoteRouter.fromState(state);
                    if (router.healthyPid() == process.pid()) {
                        LOG.info("router process {} started: clients on {}, admin on {}", process.pid(),
                                state.listen(), state.admin());
                        return new RouterProcess(process.toHandle(), stateFile, router, process);
                    }
                    router.close();
                }
            }
            sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the router process " + process.pid() + " did not answer within "
                + START_TIMEOUT_TEXT + " and was killed; " + logFile + " ends with:\n" + tail(logFile, logStart));
    }

    /**
     * The router an earlier controller started for {@code stateDirectory}, if its pid is alive and its admin
     * port answers {@code /healthz} with that pid; empty otherwise (no state file, a stale one, another process
     * on the recorded pid or port).
     */
    public static Optional<RouterProcess> adopt(Path stateDirectory) {
        Path stateFile = stateDirectory.resolve(STATE_FILE_NAME);
        if (!Files.exists(stateFile)) {
            return Optional.empty();
        }
        RouterStateFile state;
        RemoteRouter router;
        try {
            state = RouterStateFile.read(stateFile);
            router = RemoteRouter.fromState(state);
        } catch (RuntimeException e) {
            LOG.warn("not adopting the router of {}: {}", stateDirectory, e.getMessage());
            return Optional.empty();
        }
        Optional<ProcessHandle> process = ProcessHandle.of(state.pid()).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            LOG.info("not adopting the router of {}: pid {} is gone", stateDirectory, state.pid());
            router.close();
            return Optional.empty();
        }
        long answeringPid = router.healthyPid();
        if (answeringPid != state.pid()) {
            LOG.warn("not adopting the router of {}: pid {} is alive but its admin port {} {}", stateDirectory,
                    state.pid(), state.admin(), answeringPid < 0 ? "does not answer" : "answers for pid " + answeringPid);
            router.close();
            return Optional.empty();
        }
        LOG.info("adopted router process {}: clients on {}, admin on {}", state.pid(), state.listen(), state.admin());
        return Optional.of(new RouterProcess(process.get(), stateFile, router, null));
    }

    /** The router process's id. */
    public long pid() {
        return pid;
    }

    /** The client that drives this router; closing it leaves the router running. */
    public RemoteRouter router() {
        return router;
    }

    /** Where the router recorded its pid and addresses. */
    public Path stateFile() {
        return stateFile;
    }

    /** Whether the process this handle was made for is still running (a reused pid does not count). */
    public boolean isAlive() {
        return sameProcess().map(ProcessHandle::isAlive).orElse(false);
    }

    /** {@link #stop(Duration)} with a five-second grace. */
    public boolean stop() {
        return stop(STOP_GRACE);
    }

    /**
     * Stops the router: SIGTERM (it stops accepting, lets in-flight requests finish and removes its state file),
     * then SIGKILL if it is still running after {@code grace}. Closes {@link #router()}.
     *
     * @return true if the router stopped by itself within the grace, false if it had to be killed
     */
    public boolean stop(Duration grace) {
        router.close();
        Optional<ProcessHandle> process = sameProcess();
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        process.get().destroy();
        boolean graceful = awaitExit(process.get(), grace);
        if (!graceful) {
            LOG.warn("router process {} still running {} after SIGTERM; killing it", pid, grace);
            process.get().destroyForcibly();
            if (!awaitExit(process.get(), KILL_WAIT)) {
                throw new IllegalStateException("router process " + pid + " survived SIGKILL for " + KILL_WAIT);
            }
            // A killed router cannot clean up after itself.
            deleteStateFileIfOurs(stateFile, pid);
        }
        LOG.info("router process {} stopped{}", pid, graceful ? "" : " (killed)");
        return graceful;
    }

    @Override
    public String toString() {
        return "RouterProcess[pid " + pid + ", " + router + "]";
    }

    /** This handle's process, unless it has ended and its pid now belongs to someone else. */
    private Optional<ProcessHandle> sameProcess() {
        if (child != null) {
            return Optional.of(child.toHandle());
        }
        return ProcessHandle.of(pid).filter(process -> startedAt == null
                || startedAt.equals(process.info().startInstant().orElse(null)));
    }

    private boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            if (child != null) {
                return child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for router process " + pid + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for router process " + pid + " to stop", e);
        }
    }

    private static void deleteStateFileIfOurs(Path stateFile, long pid) {
        if (stateFile == null) {
            return;
        }
        try {
            if (Files.exists(stateFile) && RouterStateFile.read(stateFile).pid() == pid) {
                Files.deleteIfExists(stateFile);
            }
        } catch (IOException | RuntimeException e) {
            // Leaving a stale state file is harmless: adopt() checks the pid and the admin port before trusting it.
            System.err.println("slipway router: could not remove " + stateFile + ": " + e.getMessage());
        }
    }

    private static void createPrivateDirectories(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    private static String newToken() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** The last lines the router wrote since {@code fromByte}, to explain why it did not start. */
    private static String tail(Path logFile, long fromByte) {
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            long start = Math.max(fromByte, file.length() - 4096);
            byte[] bytes = new byte[(int) (file.length() - start)];
            file.seek(start);
            file.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "(nothing)" : text.indent(2).stripTrailing();
        } catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    /** Written to stdout, which is the log file: works whether or not an SLF4J binding is on the classpath. */
    private static void say(String message) {
        System.out.println(LocalDateTime.now() + " slipway router: " + message);
        System.out.flush();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the router process", e);
        }
    }
}
