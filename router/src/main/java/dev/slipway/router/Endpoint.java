package dev.slipway.router;

/** One upstream replica, or an address to listen on: host and port. */
public record Endpoint(String host, int port) {

    /** {@code host:port}, {@code [v6]:port} or {@code v6:port} (the last colon separates the port); port 1..65535. */
    public static Endpoint parse(String hostAndPort) {
        return parse(hostAndPort, 1);
    }

    /** As {@link #parse}, but port 0 ("any free port") is allowed: for addresses to listen on. */
    public static Endpoint parseListenAddress(String hostAndPort) {
        return parse(hostAndPort, 0);
    }

    private static Endpoint parse(String hostAndPort, int lowestPort) {
        int colon = hostAndPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostAndPort.length() - 1) {
            throw new IllegalArgumentException("\"" + hostAndPort + "\" is not host:port");
        }
        String host = hostAndPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostAndPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + hostAndPort + "\" is not host:port (port is not a number)");
        }
        if (port < lowestPort || port > 65535) {
            throw new IllegalArgumentException("\"" + hostAndPort + "\": port " + port + " is not in " + lowestPort
                    + "..65535");
        }
        return new Endpoint(host, port);
    }

    /** {@code host:port}, with an IPv6 host in brackets. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
