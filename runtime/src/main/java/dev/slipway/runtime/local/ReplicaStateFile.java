package dev.slipway.runtime.local;

import dev.slipway.model.HealthSpec;
import dev.slipway.model.ProbeSpec;
import dev.slipway.runtime.Replica;
import dev.slipway.model.support.AtomicFiles;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What survives a controller restart about one running replica: enough to recognise its process (pid and start
 * instant, so a recycled pid is not mistaken for it), probe it and launch it again. Stored as a properties file.
 */
record ReplicaStateFile(Replica replica, int ordinal, LaunchPlan plan, long pid, Instant processStart, int restarts) {

    static final String SUFFIX = ".properties";

    static Path pathFor(Path runDirectory, String replicaId) {
        return runDirectory.resolve(replicaId + SUFFIX);
    }

    /** Writes atomically, readable by the owner only: the environment may hold database credentials. */
    void write(Path file) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("id", replica.id());
        properties.setProperty("service", replica.service());
        properties.setProperty("revision", replica.revision());
        properties.setProperty("ordinal", Integer.toString(ordinal));
        properties.setProperty("host", replica.host());
        properties.setProperty("port", Integer.toString(replica.port()));
        properties.setProperty("pid", Long.toString(pid));
        properties.setProperty("processStart", processStart.toString());
        properties.setProperty("restarts", Integer.toString(restarts));
        properties.setProperty("workingDirectory", plan.workingDirectory().toString());
        properties.setProperty("command.count", Integer.toString(plan.command().size()));
        for (int index = 0; index < plan.command().size(); index++) {
            properties.setProperty("command." + index, plan.command().get(index));
        }
        plan.environment().forEach((name, value) -> properties.setProperty("env." + name, value));
        writeProbe(properties, "readiness", plan.health().readiness());
        writeProbe(properties, "liveness", plan.health().liveness());

        StringWriter text = new StringWriter();
        properties.store(text, "slipway local runtime: replica " + replica.id());
        try {
            AtomicFiles.writePrivately(file, text.toString());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** @throws IOException also when a required key is missing or malformed, naming the file and the key */
    static ReplicaStateFile read(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        try {
            Replica replica = new Replica(required(properties, "id"), required(properties, "service"),
                    required(properties, "revision"), properties.getProperty("host", "127.0.0.1"),
                    Integer.parseInt(required(properties, "port")));
            List<String> command = new ArrayList<>();
            int commandCount = Integer.parseInt(required(properties, "command.count"));
            for (int index = 0; index < commandCount; index++) {
                command.add(required(properties, "command." + index));
            }
            Map<String, String> environment = new TreeMap<>();
            for (String key : properties.stringPropertyNames()) {
                if (key.startsWith("env.")) {
                    environment.put(key.substring("env.".length()), properties.getProperty(key));
                }
            }
            HealthSpec health = new HealthSpec(readProbe(properties, "readiness"), readProbe(properties, "liveness"));
            LaunchPlan plan = new LaunchPlan(command, environment, Path.of(required(properties, "workingDirectory")),
                    health);
            return new ReplicaStateFile(replica, Integer.parseInt(required(properties, "ordinal")), plan,
                    Long.parseLong(required(properties, "pid")), Instant.parse(required(properties, "processStart")),
                    Integer.parseInt(properties.getProperty("restarts", "0")));
        } catch (RuntimeException malformed) {
            throw new IOException(file + ": not a replica state file: " + malformed.getMessage(), malformed);
        }
    }

    private static void writeProbe(Properties properties, String prefix, ProbeSpec probe) {
        if (probe == null) {
            return;
        }
        properties.setProperty(prefix + ".path", probe.path());
        properties.setProperty(prefix + ".period", probe.period().toString());
        properties.setProperty(prefix + ".timeout", probe.timeout().toString());
        properties.setProperty(prefix + ".failureThreshold", Integer.toString(probe.failureThreshold()));
        properties.setProperty(prefix + ".startPeriod", probe.startPeriod().toString());
    }

    private static ProbeSpec readProbe(Properties properties, String prefix) {
        if (properties.getProperty(prefix + ".path") == null) {
            return null;
        }
        return new ProbeSpec(properties.getProperty(prefix + ".path"),
                Duration.parse(required(properties, prefix + ".period")),
                Duration.parse(required(properties, prefix + ".timeout")),
                Integer.parseInt(required(properties, prefix + ".failureThreshold")),
                Duration.parse(required(properties, prefix + ".startPeriod")));
    }

    private static String required(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("missing key '" + key + "'");
        }
        return value;
    }
}
