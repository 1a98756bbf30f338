package dev.slipway.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** What the CLI tests share: running a command line in-process as a user would, and waiting for a condition. */
final class CliHarness {
    private CliHarness() {
    }

    /** A finished command: its exit code and what it printed. */
    record Result(int exitCode, String out, String err) {
    }

    /** Runs the command line as {@link SlipwayCommand#execute} does, capturing what it prints. */
    static Result run(String... arguments) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = new CommandLine(new SlipwayCommand());
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        line.setExecutionExceptionHandler((exception, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + exception.getMessage());
            return 1;
        });
        int code = line.execute(arguments);
        return new Result(code, out.toString(), err.toString());
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void await(Duration timeout, BooleanSupplier condition) {
        Instant end = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("not reached within " + timeout.toSeconds() + " s");
            }
            sleep(200);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
