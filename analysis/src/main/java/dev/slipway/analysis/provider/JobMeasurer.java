package dev.slipway.analysis.provider;

import dev.slipway.analysis.run.Measurer;
import dev.slipway.analysis.run.Observation;
import dev.slipway.analysis.run.Phase;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A job metric: runs a command; exit status 0 is successful, anything else failed. The last
 * {@value #KEPT_OUTPUT} bytes of its output (stdout and stderr together) are kept in the measurement. A job that
 * runs past its timeout is killed with its children and counts as an error, as does one that cannot start.
 */
public final class JobMeasurer implements Measurer {
    static final int KEPT_OUTPUT = 4096;

    private final List<String> command;
    private final Map<String, String> env;
    private final Duration timeout;
    private final Path directory;

    public JobMeasurer(List<String> command, Map<String, String> env, Duration timeout, Path directory) {
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.timeout = timeout;
        this.directory = directory;
    }

    @Override
    public Observation measure() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        process.getOutputStream().close();
        Tail tail = new Tail(process.getInputStream());
        Thread reader = new Thread(tail, "job-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                reader.join(1000);
                throw new IOException("timed out after " + dev.slipway.model.Durations.format(timeout)
                        + " and was killed; output: " + tail.text());
            }
        } catch (InterruptedException e) {
            kill(process);
            throw e;
        }
        reader.join(5000);
        int exit = process.exitValue();
        String output = tail.text();
        return Observation.decided(exit == 0 ? Phase.SUCCESSFUL : Phase.FAILED, "exit " + exit,
                (exit == 0 ? "" : "exit status " + exit + "; ") + "output: " + (output.isEmpty() ? "(none)" : output));
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** Reads a stream to its end, keeping its last bytes. */
    private static final class Tail implements Runnable {
        private final InputStream input;
        private final byte[] ring = new byte[KEPT_OUTPUT];
        private long total;

        Tail(InputStream input) {
            this.input = input;
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (input) {
                int read;
                while ((read = input.read(buffer)) > 0) {
                    synchronized (this) {
                        for (int i = 0; i < read; i++) {
                            ring[(int) (total++ % KEPT_OUTPUT)] = buffer[i];
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process ended or was killed; what was read is kept
            }
        }

        synchronized String text() {
            int length = (int) Math.min(total, KEPT_OUTPUT);
            byte[] last = new byte[length];
            for (int i = 0; i < length; i++) {
                last[i] = ring[(int) ((total - length + i) % KEPT_OUTPUT)];
            }
            String text = new String(last, StandardCharsets.UTF_8).strip();
            return total > KEPT_OUTPUT ? "..." + text : text;
        }
    }
}
