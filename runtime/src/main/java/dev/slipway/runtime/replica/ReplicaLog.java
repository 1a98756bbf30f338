package dev.slipway.runtime.replica;

import dev.slipway.model.support.OwnerOnly;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;

/**
 * A replica's log file: the stdout and stderr of its container (or Swarm service) as the engine streams them, and the
 * runtime's own {@code --- slipway} notes, appended across restarts and adoptions. Writers on several threads (a dying stream and
 * its successor's) interleave whole chunks, never bytes.
 */
public final class ReplicaLog {
    private static final Logger log = LoggerFactory.getLogger(ReplicaLog.class);

    private final Path file;
    private OutputStream output;
    private boolean warned;

    public ReplicaLog(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public synchronized void write(byte[] bytes) {
        try {
            if (output == null) {
                output = Files.newOutputStream(OwnerOnly.file(file), StandardOpenOption.APPEND);
            }
            output.write(bytes);
            output.flush();
        } catch (IOException e) {
            if (!warned) {
                warned = true;
                log.warn("cannot write to {}: {}", file, e.getMessage());
            }
        }
    }

    /** A line from the runtime itself, told apart from the container's output by its prefix. */
    public void note(String line) {
        write(("--- slipway " + Instant.now() + ": " + line + System.lineSeparator()).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The last {@code count} lines the replica itself wrote to {@code file} (the runtime's own notes left out), joined
     * by " | ", each cut at 200 characters; empty when there are none or the file cannot be read. Reads at most the
     * last 16 KiB.
     */
    public static String lastLines(Path file, int count) {
        try (RandomAccessFile reader = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, reader.length() - 16 * 1024);
            byte[] bytes = new byte[(int) (reader.length() - start)];
            reader.seek(start);
            reader.readFully(bytes);
            List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("--- slipway"))
                    .map(line -> line.length() > 200 ? line.substring(0, 200) + "..." : line.strip())
                    .toList();
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Releases the file; a later write opens it again. */
    public synchronized void close() {
        if (output == null) {
            return;
        }
        try {
            output.close();
        } catch (IOException e) {
            log.warn("cannot close {}: {}", file, e.getMessage());
        }
        output = null;
    }
}
