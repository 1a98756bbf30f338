package dev.slipway.cli;

import dev.slipway.testkit.TestServices;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A Docker Swarm of several engines on this one machine, for a test: each node is a {@code dockerd} in a network
 * namespace of its own ({@code ip netns}), with its own host name (a UTS namespace), data and exec root, joined to a
 * bridge on the host by a veth pair. Addresses are 10.77.N.0/24 (N random, so two runs never collide): the host's
 * end of the bridge is .1, the nodes .2, .3, ...; traffic never leaves the machine. The first node inits the swarm
 * and is its manager; the others join as workers. The host's own engine is not touched.
 *
 * <p>Started with {@code nsenter --net=/var/run/netns/NS} (not {@code ip netns exec}, which remounts /sys and makes
 * dockerd fail on the devices cgroup). {@link #close} undoes everything even after a failure: each node leaves the
 * swarm, its dockerd is stopped by its pidfile (SIGKILL after 15 s), whatever still runs in its namespace is killed,
 * the mounts dockerd left under the cluster's directory are unmounted, then namespaces, veths and bridge go.
 */
final class SwarmCluster implements AutoCloseable {

    /** One node: its namespace, engine socket, address and host name. */
    record Node(String name, String namespace, String hostVeth, String address, Path directory) {
        URI engine() {
            return URI.create("unix://" + directory.resolve("s"));
        }

        Path pidfile() {
            return directory.resolve("pid");
        }
    }

    private final String prefix;
    private final String subnet;
    private final Path root;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<String> cleanupProblems = new ArrayList<>();
    private boolean bridgeMade;

    private SwarmCluster(String prefix, int third, Path root) {
        this.prefix = prefix;
        this.subnet = "10.77." + third;
        this.root = root;
    }

    /** Why such a cluster cannot be made here (not root, a command missing), or null. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "a multi-node swarm needs root (network namespaces)";
        }
        for (String command : List.of("ip", "nsenter", "unshare", "dockerd", "docker", "docker-registry")) {
            if (!TestServices.onPath(command)) {
                return command + " is not installed";
            }
        }
        return null;
    }

    /**
     * Makes the bridge and the namespaces of {@code nodeNames} (the first is the manager). Engines start with
     * {@link #startEngines}, once the registries the nodes should trust are known.
     */
    static SwarmCluster network(List<String> nodeNames) {
        String prefix = "slw" + HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt()});
        // A short directory: dockerd puts unix sockets under it, and their paths must stay under 108 bytes.
        Path root = Path.of("/tmp", prefix);
        SwarmCluster cluster = new SwarmCluster(prefix, 1 + ThreadLocalRandom.current().nextInt(250), root);
        try {
            Files.createDirectories(root);
            cluster.makeNetwork(nodeNames);
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw new IllegalStateException("cannot make the cluster's network: " + e.getMessage(), e);
        }
    }

    /** The host's address on the cluster's bridge: what the nodes reach this machine at. */
    String hostAddress() {
        return subnet + ".1";
    }

    String subnetCidr() {
        return subnet + ".0/24";
    }

    Node manager() {
        return nodes.values().iterator().next();
    }

    Node node(String name) {
        return nodes.get(name);
    }

    List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    private void makeNetwork(List<String> nodeNames) {
        String bridge = prefix + "br";
        ip("link", "add", bridge, "type", "bridge");
        bridgeMade = true;
        ip("addr", "add", hostAddress() + "/24", "dev", bridge);
        ip("link", "set", bridge, "up");
        int host = 2;
        for (String name : nodeNames) {
            String namespace = prefix + "-" + name;
            Node node = new Node(prefix + "-" + name, namespace, prefix + name + "h", subnet + "." + host++,
                    root.resolve(name));
            nodes.put(name, node);
            ip("netns", "add", namespace);
            ip("link", "add", node.hostVeth(), "type", "veth", "peer", "name", prefix + name + "n");
            ip("link", "set", node.hostVeth(), "master", bridge, "up");
            ip("link", "set", prefix + name + "n", "netns", namespace);
            ip("-n", namespace, "addr", "add", node.address() + "/24", "dev", prefix + name + "n");
            ip("-n", namespace, "link", "set", prefix + name + "n", "up");
            ip("-n", namespace, "link", "set", "lo", "up");
        }
    }

    /**
     * Starts every node's dockerd (trusting {@code insecureRegistry} over plain HTTP), inits the swarm on the first
     * and joins the others as workers; returns once every node is Ready.
     */
    void startEngines(String insecureRegistry) throws IOException {
        for (Node node : nodes.values()) {
            Files.createDirectories(node.directory());
            Path config = Files.writeString(node.directory().resolve("daemon.json"), "{}");
            String dockerd = String.join(" ", "exec dockerd", "--config-file", config.toString(),
                    "--data-root", node.directory().resolve("data").toString(),
                    "--exec-root", node.directory().resolve("x").toString(),
                    "--pidfile", node.pidfile().toString(), "-H", node.engine().toString(),
                    "--iptables=false", "--ip6tables=false", "--bridge=none", "--insecure-registry", insecureRegistry);
            new ProcessBuilder("nsenter", "--net=/var/run/netns/" + node.namespace(), "unshare", "--uts", "--",
                    "sh", "-c", "hostname " + node.name() + " && " + dockerd)
                    .redirectErrorStream(true).redirectOutput(node.directory().resolve("dockerd.log").toFile()).start();
        }
        for (Node node : nodes.values()) {
            CliHarness.await(Duration.ofSeconds(60), () -> docker(node, "info", "--format", "{{.ID}}").exitCode() == 0);
        }
        Node manager = manager();
        dockerOrFail(manager, "swarm", "init", "--advertise-addr", manager.address());
        String token = dockerOrFail(manager, "swarm", "join-token", "-q", "worker").strip();
        for (Node worker : nodes.values()) {
            if (worker != manager) {
                dockerOrFail(worker, "swarm", "join", "--token", token, "--advertise-addr", worker.address(),
                        manager.address() + ":2377");
            }
        }
        CliHarness.await(Duration.ofSeconds(60), () -> dockerOrFail(manager, "node", "ls", "--format", "{{.Status}}")
                .lines().filter("Ready"::equals).count() == nodes.size());
    }

    /**
     * What a machine that dies does to its part of the swarm: every process of the node (dockerd, containerd, the
     * replicas) is killed with SIGKILL, and its link goes down, so that packets to its address go nowhere.
     */
    void kill(Node node) {
        for (String pid : namespacePids(node)) {
            TestServices.run(List.of("kill", "-9", pid), 10);
        }
        ip("link", "set", node.hostVeth(), "down");
    }

    /** The node's name for each swarm node id, as the manager lists them. */
    Map<String, String> hostnamesById() {
        Map<String, String> names = new LinkedHashMap<>();
        for (String line : dockerOrFail(manager(), "node", "ls", "--format", "{{.ID}} {{.Hostname}}").lines().toList()) {
            String[] parts = line.strip().split(" ");
            names.put(parts[0], parts[1]);
        }
        return names;
    }

    /** The manager's view of a node: Ready, Down, Unknown. */
    String status(Node node) {
        return docker(manager(), "node", "inspect", node.name(), "--format", "{{.Status.State}}").output().strip();
    }

    TestServices.Outcome docker(Node node, String... arguments) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", node.engine().toString()));
        command.addAll(List.of(arguments));
        return TestServices.run(command, 60);
    }

    String dockerOrFail(Node node, String... arguments) {
        TestServices.Outcome outcome = docker(node, arguments);
        if (outcome.exitCode() != 0) {
            throw new IllegalStateException("docker " + String.join(" ", arguments) + " on " + node.name() + " failed: "
                    + outcome.output());
        }
        return outcome.output();
    }

    /** Undoes everything, each step whatever the others did; problems are printed, not thrown. */
    @Override
    public void close() {
        List<Node> reversed = new ArrayList<>(nodes.values());
        java.util.Collections.reverse(reversed);
        for (Node node : reversed) {
            if (Files.exists(node.pidfile())) {
                docker(node, "swarm", "leave", "--force");
            }
        }
        for (Node node : reversed) {
            stopEngine(node);
            for (String pid : namespacePids(node)) {
                attempt("kill -9 " + pid + " in " + node.namespace(), List.of("kill", "-9", pid));
            }
        }
        unmountEverythingUnder(root);
        for (Node node : reversed) {
            attempt("ip netns del " + node.namespace(), List.of("ip", "netns", "del", node.namespace()));
            ipQuietly("link", "del", node.hostVeth());
        }
        if (bridgeMade) {
            attempt("ip link del " + prefix + "br", List.of("ip", "link", "del", prefix + "br"));
        }
        deleteQuietly(root);
        if (!cleanupProblems.isEmpty()) {
            System.out.println("cluster cleanup problems: " + cleanupProblems);
        }
    }

    /** Whatever the cleanup could not undo; empty when all is gone. */
    List<String> leftovers() {
        List<String> left = new ArrayList<>();
        String namespaces = TestServices.run(List.of("ip", "netns", "list"), 10).output();
        String links = TestServices.run(List.of("ip", "-o", "link"), 10).output();
        String mounts = read(Path.of("/proc/self/mounts"));
        namespaces.lines().filter(line -> line.startsWith(prefix)).forEach(line -> left.add("netns " + line));
        links.lines().filter(line -> line.contains(prefix)).forEach(line -> left.add("link " + line));
        mounts.lines().filter(line -> line.contains(root.toString())).forEach(line -> left.add("mount " + line));
        if (Files.exists(root)) {
            left.add("directory " + root);
        }
        return left;
    }

    private void stopEngine(Node node) {
        String pid = read(node.pidfile()).strip();
        // A pidfile outlives a dockerd killed with SIGKILL: make sure the pid is still that dockerd.
        if (pid.isEmpty() || !read(Path.of("/proc", pid, "cmdline")).contains(node.pidfile().toString())) {
            return;
        }
        TestServices.run(List.of("kill", pid), 10);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (Files.exists(Path.of("/proc", pid)) && System.nanoTime() < deadline) {
            CliHarness.sleep(100);
        }
        if (Files.exists(Path.of("/proc", pid))) {
            attempt("kill -9 dockerd " + pid, List.of("kill", "-9", pid));
        }
    }

    private List<String> namespacePids(Node node) {
        return TestServices.run(List.of("ip", "netns", "pids", node.namespace()), 10).output().lines()
                .map(String::strip).filter(line -> line.matches("\\d+")).toList();
    }

    /** Deepest first, lazily: dockerd leaves overlay and netns mounts behind when it is killed. */
    private void unmountEverythingUnder(Path directory) {
        List<String> mountPoints = read(Path.of("/proc/self/mounts")).lines()
                .map(line -> line.split(" ")[1]).filter(point -> point.startsWith(directory + "/"))
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        for (String point : mountPoints) {
            attempt("umount " + point, List.of("umount", "-l", point));
        }
    }

    private void attempt(String what, List<String> command) {
        TestServices.Outcome outcome = TestServices.run(command, 30);
        if (outcome.exitCode() != 0) {
            cleanupProblems.add(what + ": " + outcome.output().strip());
        }
    }

    private static void ip(String... arguments) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(arguments));
        TestServices.runOrFail(command, 30);
    }

    private static void ipQuietly(String... arguments) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(arguments));
        TestServices.run(command, 30);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private void deleteQuietly(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | RuntimeException e) {
            cleanupProblems.add("delete " + directory + ": " + e.getMessage());
        }
    }
}
