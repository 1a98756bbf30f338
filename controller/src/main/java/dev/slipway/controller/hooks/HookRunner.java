package dev.slipway.controller.hooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.model.HookSpec;
import dev.slipway.model.SecretText;
import dev.slipway.model.SpecException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs one hook and waits for it, never longer than its timeout: a command (exit 0 passes) or an HTTP call
 * (2xx passes). A command that outlives its timeout is stopped with everything it started. Nothing a hook does
 * throws: every ending is a {@link HookOutcome}, which the rollout acts on.
 */
public final class HookRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int OUTPUT_TAIL = 400;
    private static final Duration KILL_GRACE = Duration.ofSeconds(2);

    private final Path workingDirectory;
    private final Function<String, String> environment;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param workingDirectory where commands run, and what their relative paths resolve against (the spec's folder)
     * @param environment      where {@code ${VARIABLE}} secrets in URLs and headers come from
     */
    public HookRunner(Path workingDirectory, Function<String, String> environment) {
        this.workingDirectory = workingDirectory;
        this.environment = environment;
    }

    public HookOutcome run(HookSpec hook, HookContext context) {
        long started = System.nanoTime();
        String moment = hook.moment().specName();
        HookResult result;
        try {
            result = hook.action() instanceof HookSpec.Command command
                    ? runCommand(hook, command, context) : call(hook, (HookSpec.Http) hook.action(), context);
        } catch (SpecException e) {
            result = new HookResult(false, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result = new HookResult(false, "interrupted");
        }
        return new HookOutcome(hook.name(), moment, result.passed(), result.detail(),
                Duration.ofNanos(System.nanoTime() - started));
    }

    private record HookResult(boolean passed, String detail) {
    }

    private HookResult runCommand(HookSpec hook, HookSpec.Command command, HookContext context)
            throws InterruptedException {
        List<String> argv = new ArrayList<>(command.command());
        String program = argv.get(0);
        if (program.contains("/") && !Path.of(program).isAbsolute()) {
            argv.set(0, workingDirectory.resolve(program).normalize().toString());
        }
        Path output;
        Process process;
        try {
            output = Files.createTempFile("slipway-hook-", ".log");
        } catch (IOException e) {
            return new HookResult(false, "cannot create its output file: " + e.getMessage());
        }
        try {
            ProcessBuilder builder = new ProcessBuilder(argv).directory(workingDirectory.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            Map<String, String> env = builder.environment();
            env.putAll(command.env());
            env.putAll(context.environment(hook.name(), hook.moment().specName()));
            try {
                process = builder.start();
            } catch (IOException e) {
                return new HookResult(false, "cannot run " + argv.get(0) + ": " + e.getMessage());
            }
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(JSON.writeValueAsBytes(context.json(hook.name(), hook.moment().specName())));
            } catch (IOException ignored) {
                // a command that does not read its input closes it early; that is its right
            }
            if (!process.waitFor(hook.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                stop(process);
                return new HookResult(false, "timed out after " + format(hook.timeout()) + tail(output));
            }
            int exit = process.exitValue();
            return new HookResult(exit == 0, exit == 0 ? "" : "exit code " + exit + tail(output));
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    /** Stops a command and everything it started: politely, then for good after a grace period. */
    private static void stop(Process process) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + KILL_GRACE.toNanos();
        for (ProcessHandle handle : tree) {
            while (handle.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (handle.isAlive()) {
                handle.destroyForcibly();
            }
        }
        process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private HookResult call(HookSpec hook, HookSpec.Http call, HookContext context) throws InterruptedException {
        String url = call.url().resolve(environment);
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(url)).timeout(hook.timeout());
        } catch (IllegalArgumentException e) {
            return new HookResult(false, "'" + call.url() + "' is not a URL: " + e.getMessage());
        }
        for (Map.Entry<String, SecretText> header : call.headers().entrySet()) {
            request.header(header.getKey(), header.getValue().resolve(environment));
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(context.json(hook.name(), hook.moment().specName()));
        } catch (IOException e) {
            return new HookResult(false, "cannot write its context: " + e.getMessage());
        }
        request.header("Content-Type", "application/json").header("User-Agent", "slipway-hook");
        request.method(call.method(), call.method().equals("GET") ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        // a secret in the URL stays out of every message: the template names only its variable
        String target = call.method() + " " + call.url();
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            boolean passed = response.statusCode() / 100 == 2;
            return new HookResult(passed, passed ? "" : target + " answered " + response.statusCode()
                    + tail(response.body()));
        } catch (HttpTimeoutException e) {
            return new HookResult(false, target + " timed out after " + format(hook.timeout()));
        } catch (IOException e) {
            return new HookResult(false, target + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()));
        }
    }

    private static String tail(Path output) {
        try {
            return tail(Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }

    private static String tail(String text) {
        String trimmed = text == null ? "" : text.strip();
        if (trimmed.isEmpty()) {
            return "";
        }
        return " (" + (trimmed.length() > OUTPUT_TAIL ? "…" + trimmed.substring(trimmed.length() - OUTPUT_TAIL) : trimmed)
                .replace('\n', ' ') + ")";
    }

    private static String format(Duration duration) {
        return dev.slipway.model.Durations.format(duration);
    }
}
