package dev.slipway.router;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * What a running router process tells its controllers, present or future: its pid, where clients connect,
 * where its admin port is and which file holds the admin token (the token itself is never written here).
 * Written atomically with mode 0600 once the router listens; removed when it stops.
 *
 * @param tokenFile absolute path of the admin token file, or null when the router needs no token
 * @param preview   where the preview listener accepts clients, or null when the router has none
 */
record RouterStateFile(long pid, InetSocketAddress listen, InetSocketAddress admin, Path tokenFile,
                       InetSocketAddress preview) {

    private static final Set<String> FIELDS = Set.of("pid", "listen", "admin", "tokenFile", "preview");

    String render() {
        return "{\"pid\":" + pid
                + ",\"listen\":" + RouteTableJson.quote(hostAndPort(listen))
                + ",\"admin\":" + RouteTableJson.quote(hostAndPort(admin))
                + (tokenFile == null ? "" : ",\"tokenFile\":" + RouteTableJson.quote(tokenFile.toString()))
                + (preview == null ? "" : ",\"preview\":" + RouteTableJson.quote(hostAndPort(preview)))
                + "}\n";
    }

    static RouterStateFile parse(String json) {
        JsonObject state = JsonObject.parse(json).allowOnly(FIELDS);
        Endpoint listen = RouteTableJson.parseEndpoint(state.string("listen"));
        Endpoint admin = RouteTableJson.parseEndpoint(state.string("admin"));
        Path tokenFile = state.fields().containsKey("tokenFile") ? Path.of(state.string("tokenFile")) : null;
        InetSocketAddress preview = null;
        if (state.fields().containsKey("preview")) {
            Endpoint address = RouteTableJson.parseEndpoint(state.string("preview"));
            preview = new InetSocketAddress(address.host(), address.port());
        }
        return new RouterStateFile(state.integer("pid"), new InetSocketAddress(listen.host(), listen.port()),
                new InetSocketAddress(admin.host(), admin.port()), tokenFile, preview);
    }

    static RouterStateFile read(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read router state file " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    void write(Path file) {
        writePrivately(file, render());
    }

    /** The admin token from {@link #tokenFile}, or null when the router needs none. */
    String readToken() {
        return tokenFile == null ? null : readTokenFile(tokenFile);
    }

    static String readTokenFile(Path tokenFile) {
        try {
            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
            if (token.isEmpty()) {
                throw new IllegalArgumentException("admin token file " + tokenFile + " is empty");
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read admin token file " + tokenFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code content} so that readers see either the old file or the whole new one, and nobody but the
     * owner can read it (a temporary file created 0600, then renamed over the target).
     */
    static void writePrivately(Path file, String content) {
        Path directory = file.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static String hostAndPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
