package dev.slipway.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.model.support.AtomicFiles;
import dev.slipway.model.support.OwnerOnly;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a client finds the running controller of a state directory: {@code <stateDir>/api.json} with the API's
 * URL, its bearer token, the controller's process id and the service. The file holds a secret, so it is
 * created readable by its owner only.
 */
public record ApiDescriptor(URI url, String token, long pid, String service) {
    public static final String FILE_NAME = "api.json";

    /** {@code <stateDirectory>/api.json}. */
    public static Path file(Path stateDirectory) {
        return stateDirectory.resolve(FILE_NAME);
    }

    /**
     * The descriptor of {@code stateDirectory}, or empty when no controller has written one. Read with the streaming
     * parser alone: {@code slipway status} runs this on every call, and an ObjectMapper costs it hundreds of classes.
     */
    public static Optional<ApiDescriptor> read(Path stateDirectory) {
        Path file = file(stateDirectory);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String url = "";
        String token = "";
        long pid = -1;
        String service = "";
        try (JsonParser parser = new JsonFactory().createParser(file.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException(file + " is damaged (not a JSON object): remove it and start the controller again");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "url" -> url = parser.getValueAsString("");
                    case "token" -> token = parser.getValueAsString("");
                    case "pid" -> pid = parser.getValueAsLong(-1);
                    case "service" -> service = parser.getValueAsString("");
                    default -> {
                        if (value.isStructStart()) {
                            parser.skipChildren();
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (url.isEmpty() || token.isEmpty()) {
            throw new IllegalStateException(file + " is damaged (no url or token): remove it and start the controller again");
        }
        return Optional.of(new ApiDescriptor(URI.create(url), token, pid, service));
    }

    /**
     * Writes the descriptor atomically and durably, readable by its owner only from the first byte on (it holds the
     * token).
     */
    void write(Path stateDirectory) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode node = json.createObjectNode();
        node.put("url", url.toString());
        node.put("token", token);
        node.put("pid", pid);
        node.put("service", service);
        try {
            OwnerOnly.directory(stateDirectory);
            AtomicFiles.writePrivately(file(stateDirectory), json.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(stateDirectory) + ": " + e.getMessage(), e);
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
