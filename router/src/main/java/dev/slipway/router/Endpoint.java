package dev.slipway.router;

/** One upstream replica: host and port on loopback. */
public record Endpoint(String host, int port) {
    @Override
    public String toString() {
        return host + ":" + port;
    }
}
