package dev.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.WaitResponse;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The few Docker Engine API calls the docker runtime makes, through docker-java. Every docker-java type stays in
 * this class: the rest of the package sees container ids, plain records and {@link DockerEngineException}. The
 * connection and its API version come from {@link EngineConnection}.
 */
final class DockerEngine implements AutoCloseable {
    private final EngineConnection connection;
    private final DockerClient client;

    private DockerEngine(EngineConnection connection) {
        this.connection = connection;
        this.client = connection.client();
    }

    /**
     * Connects and negotiates the API version.
     *
     * @throws DockerEngineException when no engine answers at {@code host}, or it is too old
     */
    static DockerEngine connect(URI host) {
        return new DockerEngine(EngineConnection.open(host, "docker runtime"));
    }

    /** The API version every call uses, e.g. "1.41". */
    String apiVersion() {
        return connection.apiVersion();
    }

    /** What to create: host networking always, the image's entrypoint kept, {@code command} replacing its CMD. */
    record ContainerDefinition(String name, String image, List<String> command, Map<String, String> environment,
                               Map<String, String> labels) {
        ContainerDefinition {
            command = List.copyOf(command);
            environment = Map.copyOf(environment);
            labels = Map.copyOf(labels);
        }
    }

    /** A container as listed: enough to adopt it or clean it up. */
    record ListedContainer(String id, String name, boolean running, String status, Map<String, String> labels) {
        ListedContainer {
            labels = Map.copyOf(labels);
        }
    }

    /** @return the new container's id */
    String create(ContainerDefinition definition) {
        return call("create container " + definition.name() + " from image " + definition.image(), () -> {
            CreateContainerCmd create = client.createContainerCmd(definition.image())
                    .withName(definition.name())
                    .withEnv(definition.environment().entrySet().stream()
                            .map(variable -> variable.getKey() + "=" + variable.getValue()).sorted().toList())
                    .withLabels(definition.labels())
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host"));
            if (!definition.command().isEmpty()) {
                create.withCmd(definition.command());
            }
            return create.exec().getId();
        });
    }

    void start(String containerId) {
        perform("start container " + containerId, () -> client.startContainerCmd(containerId).exec());
    }

    /**
     * {@code docker stop}: the image's stop signal (SIGTERM unless it says otherwise), then SIGKILL after
     * {@code grace}, rounded up to whole seconds (the API's unit). Blocks until the container is down; a container
     * that is already down is fine.
     */
    void stop(String containerId, Duration grace) {
        int seconds = (int) Math.min(Integer.MAX_VALUE, (Math.max(0, grace.toMillis()) + 999) / 1000);
        try {
            perform("stop container " + containerId,
                    () -> client.stopContainerCmd(containerId).withTimeout(seconds).exec());
        } catch (DockerEngineException e) {
            if (!e.notFound()) {
                throw e;
            }
        }
    }

    /** Removes a container whatever its state (killing it if needed); one that is gone already is fine. */
    void remove(String containerId) {
        try {
            perform("remove container " + containerId,
                    () -> client.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec());
        } catch (DockerEngineException e) {
            if (!e.notFound()) {
                throw e;
            }
        }
    }

    /** The exit code of a container that is not running; empty while it runs or when it is gone. */
    Optional<Long> exitCode(String containerId) {
        try {
            InspectContainerResponse.ContainerState state = call("inspect container " + containerId,
                    () -> client.inspectContainerCmd(containerId).exec().getState());
            return Boolean.TRUE.equals(state.getRunning()) ? Optional.empty() : Optional.ofNullable(state.getExitCodeLong());
        } catch (DockerEngineException e) {
            if (e.notFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every container, running or not, carrying {@code label=value}. */
    List<ListedContainer> listLabelled(String label, String value) {
        List<Container> containers = call("list containers labelled " + label + "=" + value,
                () -> client.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(label, value)).exec());
        return containers.stream().map(container -> new ListedContainer(container.getId(),
                container.getNames() == null || container.getNames().length == 0 ? container.getId()
                        : container.getNames()[0].replaceFirst("^/", ""),
                "running".equals(container.getState()), String.valueOf(container.getStatus()),
                container.getLabels() == null ? Map.of() : container.getLabels())).toList();
    }

    /**
     * Calls {@code onExit} with the exit code once the container is not running (at once if it is not running now).
     * Close the returned handle to stop waiting; a failed wait (the engine went away) reports nothing.
     */
    Closeable onExit(String containerId, IntConsumer onExit) {
        return client.waitContainerCmd(containerId).exec(new ResultCallback.Adapter<WaitResponse>() {
            @Override
            public void onNext(WaitResponse response) {
                Integer code = response.getStatusCode();
                onExit.accept(code == null ? -1 : code);
            }

            @Override
            public void onError(Throwable error) {
                // Closed by us, or the engine went away: either way nobody can say how the container ended.
                closeQuietly(this);
            }
        });
    }

    /**
     * Follows a container's stdout and stderr from {@code since} (whole seconds, as the API takes it) until the
     * container stops; every chunk goes to {@code sink} in the order the engine sends it.
     */
    EngineConnection.LogStream followLogs(String containerId, Instant since, Consumer<byte[]> sink) {
        return EngineConnection.follow(client.logContainerCmd(containerId)
                .withStdOut(true).withStdErr(true).withFollowStream(true)
                .withSince((int) Math.max(0, since.getEpochSecond())), sink);
    }

    @Override
    public void close() {
        connection.close();
    }

    private static <T> T call(String what, Supplier<T> action) {
        return EngineConnection.call(what, action);
    }

    private static void perform(String what, Runnable action) {
        EngineConnection.perform(what, action);
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException | RuntimeException e) {
            // Closing a finished stream.
        }
    }
}
