package dev.slipway.router;

import dev.slipway.model.AddressRange;
import dev.slipway.model.Durations;
import dev.slipway.model.RouterSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The command line of a router process ({@link RouterProcess#main}): what {@link #parse} reads, {@link #arguments}
 * writes, so a spawned router gets exactly the {@link RouterSpec} its controller holds.
 *
 * @param router    listeners, TLS, timeouts, connection limit and trusted proxies
 * @param stateFile where to record pid and addresses once listening, or null
 * @param tokenFile the admin token, or null (mutations are then open to anyone reaching the admin port)
 */
record RouterCommandLine(RouterSpec router, Path stateFile, Path tokenFile) {

    static final String USAGE = "usage: java -cp CLASSPATH " + RouterProcess.class.getName()
            + " --listen HOST:PORT [options]\n"
            + "  --listen           where clients connect, e.g. 0.0.0.0:8080, [::]:8443, 127.0.0.1:8080\n"
            + "  --preview          a second listener whose requests all go to the preview revision (blue-green)\n"
            + "  --admin            the admin port (metrics, routes, samples, drain); default 127.0.0.1:0 (any free port)\n"
            + "  --tls-certificate  PEM certificate chain: clients speak HTTPS (with --tls-key); re-read when it changes\n"
            + "  --tls-key          PEM private key (PKCS#8)\n"
            + "  --timeouts         NAME=DURATION,... of header, bodyIdle, keepAliveIdle, upstreamConnect,\n"
            + "                     upstreamResponse, upstreamIdle (e.g. header=10s,upstreamIdle=2m)\n"
            + "  --max-connections  client connections open at once (default 10000); more are answered 503\n"
            + "  --trusted-proxies  IP,CIDR,...: peers whose X-Forwarded-For/-Proto are kept (default: none)\n"
            + "  --state-file       written (0600) once listening: pid, listen and admin addresses; removed on stop\n"
            + "  --token-file       holds the bearer token PUT /routes and POST /drain require; without it they are open\n"
            + "Runs until SIGTERM, then lets in-flight requests finish (at most 2 s).";

    private static final List<String> NAMES = List.of("--listen", "--preview", "--admin", "--tls-certificate",
            "--tls-key", "--timeouts", "--max-connections", "--trusted-proxies", "--state-file", "--token-file");

    /** Parses {@code --name value} pairs; null for {@code --help}. */
    static RouterCommandLine parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                return null;
            }
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown argument " + name);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            if (values.put(name, args[++i]) != null) {
                throw new IllegalArgumentException(name + " given twice");
            }
        }
        if (!values.containsKey("--listen")) {
            throw new IllegalArgumentException("--listen HOST:PORT is required");
        }
        if (values.containsKey("--tls-certificate") != values.containsKey("--tls-key")) {
            throw new IllegalArgumentException("--tls-certificate and --tls-key go together");
        }
        RouterSpec defaults = RouterSpec.defaults();
        Optional<RouterSpec.Tls> tls = values.containsKey("--tls-certificate")
                ? Optional.of(new RouterSpec.Tls(Path.of(values.get("--tls-certificate")).toAbsolutePath(),
                        Path.of(values.get("--tls-key")).toAbsolutePath()))
                : Optional.empty();
        RouterSpec router = new RouterSpec(address("--listen", values.get("--listen")),
                Optional.ofNullable(values.get("--preview")).map(value -> address("--preview", value)),
                address("--admin", values.getOrDefault("--admin", defaults.admin())), tls,
                timeouts(values.get("--timeouts")), maxConnections(values.get("--max-connections")),
                trustedProxies(values.get("--trusted-proxies")));
        return new RouterCommandLine(router, path(values.get("--state-file")), path(values.get("--token-file")));
    }

    /** The arguments {@link #parse} reads back into this command line. */
    List<String> arguments() {
        List<String> arguments = new ArrayList<>(List.of("--listen", router.listen(), "--admin", router.admin()));
        router.preview().ifPresent(preview -> arguments.addAll(List.of("--preview", preview)));
        router.tls().ifPresent(tls -> arguments.addAll(List.of("--tls-certificate", tls.certificate().toString(),
                "--tls-key", tls.key().toString())));
        RouterSpec.Timeouts timeouts = router.timeouts();
        arguments.addAll(List.of("--timeouts", "header=" + Durations.format(timeouts.header())
                + ",bodyIdle=" + Durations.format(timeouts.bodyIdle())
                + ",keepAliveIdle=" + Durations.format(timeouts.keepAliveIdle())
                + ",upstreamConnect=" + Durations.format(timeouts.upstreamConnect())
                + ",upstreamResponse=" + Durations.format(timeouts.upstreamResponse())
                + ",upstreamIdle=" + Durations.format(timeouts.upstreamIdle())));
        arguments.addAll(List.of("--max-connections", Integer.toString(router.maxConnections())));
        if (!router.trustedProxies().isEmpty()) {
            arguments.addAll(List.of("--trusted-proxies", router.trustedProxies().stream().map(AddressRange::toString)
                    .collect(Collectors.joining(","))));
        }
        if (stateFile != null) {
            arguments.addAll(List.of("--state-file", stateFile.toString()));
        }
        if (tokenFile != null) {
            arguments.addAll(List.of("--token-file", tokenFile.toString()));
        }
        return arguments;
    }

    private static String address(String name, String value) {
        try {
            return Endpoint.parseListenAddress(value).toString();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    private static RouterSpec.Timeouts timeouts(String value) {
        RouterSpec.Timeouts defaults = RouterSpec.Timeouts.defaults();
        if (value == null) {
            return defaults;
        }
        Map<String, Duration> given = new LinkedHashMap<>();
        for (String pair : value.split(",")) {
            String[] parts = pair.split("=", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("--timeouts: '" + pair + "' is not NAME=DURATION");
            }
            try {
                given.put(parts[0].trim(), Durations.parse(parts[1]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--timeouts " + parts[0].trim() + ": " + e.getMessage(), e);
            }
        }
        List<String> known = List.of("header", "bodyIdle", "keepAliveIdle", "upstreamConnect", "upstreamResponse",
                "upstreamIdle");
        for (String name : given.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("--timeouts: unknown timeout '" + name + "' (known: " + known + ")");
            }
        }
        try {
            return new RouterSpec.Timeouts(given.getOrDefault("header", defaults.header()),
                    given.getOrDefault("bodyIdle", defaults.bodyIdle()),
                    given.getOrDefault("keepAliveIdle", defaults.keepAliveIdle()),
                    given.getOrDefault("upstreamConnect", defaults.upstreamConnect()),
                    given.getOrDefault("upstreamResponse", defaults.upstreamResponse()),
                    given.getOrDefault("upstreamIdle", defaults.upstreamIdle()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--timeouts: " + e.getMessage(), e);
        }
    }

    private static int maxConnections(String value) {
        if (value == null) {
            return RouterSpec.DEFAULT_MAX_CONNECTIONS;
        }
        try {
            int connections = Integer.parseInt(value);
            if (connections >= 1) {
                return connections;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--max-connections: '" + value + "' is not a positive number");
    }

    private static List<AddressRange> trustedProxies(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<AddressRange> ranges = new ArrayList<>();
        for (String range : value.split(",")) {
            try {
                ranges.add(AddressRange.parse(range));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--trusted-proxies: " + e.getMessage(), e);
            }
        }
        return ranges;
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }
}
