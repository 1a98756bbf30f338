package dev.slipway.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the {@code router:} section of a spec into a {@link RouterSpec}; every error is located at its value. */
final class RouterSpecParser {

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^]]*]|[^:\\[\\]]+):(\\d{1,5})");
    /** A DNS name (RFC 1123 labels), resolved when the router binds. */
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    private RouterSpecParser() {
    }

    static RouterSpec parse(SpecNode node) {
        node.allowOnly("listen", "preview", "admin", "tls", "timeouts", "maxConnections", "trustedProxies");
        RouterSpec defaults = RouterSpec.defaults();
        String listen = node.optional("listen").map(RouterSpecParser::address).orElse(defaults.listen());
        Optional<String> preview = node.optional("preview").map(RouterSpecParser::address);
        if (preview.isPresent()) {
            requireOwnPort(node.require("preview"), preview.get(), listen, "router.listen");
        }
        String admin = defaults.admin();
        if (node.optional("admin").isPresent()) {
            SpecNode adminNode = node.require("admin");
            admin = address(adminNode);
            requireOwnPort(adminNode, admin, listen, "router.listen");
            if (preview.isPresent()) {
                requireOwnPort(adminNode, admin, preview.get(), "router.preview");
            }
        }
        Optional<RouterSpec.Tls> tls = node.optional("tls").map(RouterSpecParser::tls);
        RouterSpec.Timeouts timeouts = node.optional("timeouts").map(RouterSpecParser::timeouts)
                .orElse(defaults.timeouts());
        int maxConnections = node.optional("maxConnections").map(value -> value.integer(1, 1_000_000))
                .orElse(defaults.maxConnections());
        List<AddressRange> trustedProxies = new ArrayList<>();
        if (node.optional("trustedProxies").isPresent()) {
            for (SpecNode proxy : node.require("trustedProxies").items()) {
                try {
                    trustedProxies.add(AddressRange.parse(proxy.nonBlankString()));
                } catch (IllegalArgumentException e) {
                    throw proxy.error(e.getMessage());
                }
            }
        }
        return new RouterSpec(listen, preview, admin, tls, timeouts, maxConnections, trustedProxies);
    }

    /**
     * {@code host:port} to listen on: an IPv4 address, an IPv6 address in brackets ({@code [::]:8443}) or a host
     * name; port 0 picks a free one.
     */
    private static String address(SpecNode node) {
        String address = node.nonBlankString().trim();
        Matcher matcher = HOST_PORT.matcher(address);
        if (!matcher.matches() || Integer.parseInt(matcher.group(2)) > 65535) {
            throw node.error("'" + address + "' is not host:port (e.g. 0.0.0.0:8080, 127.0.0.1:8080, [::]:8443)");
        }
        String host = matcher.group(1);
        boolean valid;
        if (host.startsWith("[")) {
            String literal = host.substring(1, host.length() - 1);
            valid = literal.contains(":") && AddressRange.literal(literal) != null;
        } else if (host.matches("[0-9.]+")) {
            valid = AddressRange.literal(host) != null;
        } else {
            valid = HOST_NAME.matcher(host).matches();
        }
        if (!valid) {
            throw node.error("'" + host + "' is not an IP address ([brackets] around IPv6) or a host name");
        }
        return address;
    }

    private static void requireOwnPort(SpecNode node, String address, String other, String otherName) {
        if (address.equals(other) && !address.endsWith(":0")) {
            throw node.error("'" + address + "' is " + otherName + " already; every listener needs a port of its own");
        }
    }

    private static RouterSpec.Tls tls(SpecNode node) {
        node.allowOnly("certificate", "key");
        return new RouterSpec.Tls(file(node.require("certificate")), file(node.require("key")));
    }

    /** A path as written, resolved against the directory of the spec file when relative. */
    private static Path file(SpecNode node) {
        Path path;
        try {
            path = Path.of(node.nonBlankString());
        } catch (java.nio.file.InvalidPathException e) {
            throw node.error("'" + node.string() + "' is not a file path");
        }
        if (path.isAbsolute()) {
            return path.normalize();
        }
        Path specDirectory = Path.of(node.file()).toAbsolutePath().getParent();
        return specDirectory.resolve(path).normalize();
    }

    private static RouterSpec.Timeouts timeouts(SpecNode node) {
        node.allowOnly("header", "bodyIdle", "keepAliveIdle", "upstreamConnect", "upstreamResponse", "upstreamIdle");
        RouterSpec.Timeouts defaults = RouterSpec.Timeouts.defaults();
        return new RouterSpec.Timeouts(
                timeout(node, "header", defaults, RouterSpec.Timeouts::header),
                timeout(node, "bodyIdle", defaults, RouterSpec.Timeouts::bodyIdle),
                timeout(node, "keepAliveIdle", defaults, RouterSpec.Timeouts::keepAliveIdle),
                timeout(node, "upstreamConnect", defaults, RouterSpec.Timeouts::upstreamConnect),
                timeout(node, "upstreamResponse", defaults, RouterSpec.Timeouts::upstreamResponse),
                timeout(node, "upstreamIdle", defaults, RouterSpec.Timeouts::upstreamIdle));
    }

    private static Duration timeout(SpecNode node, String name, RouterSpec.Timeouts defaults,
                                    Function<RouterSpec.Timeouts, Duration> fallback) {
        Optional<SpecNode> value = node.optional(name);
        if (value.isEmpty()) {
            return fallback.apply(defaults);
        }
        Duration timeout = value.get().duration();
        if (timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw value.get().error(Durations.format(timeout) + " is not a timeout (more than 0, at most 24h)");
        }
        return timeout;
    }
}
