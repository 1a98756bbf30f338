package dev.slipway.server;

import dev.slipway.model.io.OwnerOnly;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * How a client finds the running controller of a state directory: {@code <stateDir>/api.json} with the API's
 * URL, its bearer token, the controller's process id and the service. The file holds a secret, so it is
 * created readable by its owner only.
 */
public record ApiDescriptor(URI url, String token, long pid, String service) {
    public static final String FILE_NAME = "api.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code <stateDirectory>/api.json}. */
    public static Path file(Path stateDirectory) {
        return stateDirectory.resolve(FILE_NAME);
    }

    /** The descriptor of {@code stateDirectory}, or empty when no controller has written one. */
    public static Optional<ApiDescriptor> read(Path stateDirectory) {
        Path file = file(stateDirectory);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            String url = node.path("url").asText("");
            String token = node.path("token").asText("");
            if (url.isEmpty() || token.isEmpty()) {
                throw new IllegalStateException(file + " is damaged (no url or token): remove it and start the controller again");
            }
            return Optional.of(new ApiDescriptor(URI.create(url), token, node.path("pid").asLong(-1),
                    node.path("service").asText("")));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the descriptor atomically: a new file created with mode 0600 (never readable by others, not even
     * for a moment), then renamed over {@code api.json}.
     */
    void write(Path stateDirectory) {
        ObjectNode node = JSON.createObjectNode();
        node.put("url", url.toString());
        node.put("token", token);
        node.put("pid", pid);
        node.put("service", service);
        Path target = file(stateDirectory);
        Path temporary = stateDirectory.resolve(FILE_NAME + "." + pid + ".tmp");
        try {
            OwnerOnly.directory(stateDirectory);
            Files.deleteIfExists(temporary);
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
            try (SeekableByteChannel channel = Files.newByteChannel(temporary,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                channel.write(ByteBuffer.wrap(bytes));
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException("cannot write " + target + ": " + temporary + " appeared meanwhile", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Removes {@code api.json} if it is still this descriptor's (a newer controller may have replaced it). */
    void delete(Path stateDirectory) {
        try {
            Optional<ApiDescriptor> current = read(stateDirectory);
            if (current.isPresent() && current.get().token().equals(token)) {
                Files.deleteIfExists(file(stateDirectory));
            }
        } catch (IOException | RuntimeException e) {
            // best effort on shutdown: a stale file is detected by the client (the API no longer answers)
        }
    }
}
