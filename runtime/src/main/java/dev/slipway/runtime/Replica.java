package dev.slipway.runtime;

/** One running copy of a revision, reachable at {@code host:port}. */
public record Replica(String id, String service, String revision, String host, int port) {
    public String address() {
        return host + ":" + port;
    }
}
