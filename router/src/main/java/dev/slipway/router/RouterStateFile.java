package dev.slipway.router;

import dev.slipway.model.support.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

    String render() {
        return StrictJson.write(new StateJson(pid, hostAndPort(listen), hostAndPort(admin),
                tokenFile == null ? null : tokenFile.toString(), preview == null ? null : hostAndPort(preview))) + "\n";
    }

    static RouterStateFile parse(String json) {
        StateJson state = StrictJson.read(json, StateJson.class);
        return new RouterStateFile(state.pid(), address(state.listen()), address(state.admin()),
                state.tokenFile() == null ? null : Path.of(state.tokenFile()),
                state.preview() == null ? null : address(state.preview()));
    }

    private static InetSocketAddress address(String hostAndPort) {
        Endpoint endpoint = Endpoint.parse(hostAndPort);
        return new InetSocketAddress(endpoint.host(), endpoint.port());
    }

    /** The file as written; addresses are {@code host:port}. */
    record StateJson(@Required long pid, @Required String listen, @Required String admin, String tokenFile,
                     String preview) {
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

    /**
     * Replaces {@code file} whole (readers, and a restart after a power cut, see the old file or the new one, never a
     * part of it), readable by the owner only.
     */
    void write(Path file) {
        AtomicFiles.writePrivately(file, render());
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

    static String hostAndPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
