package dev.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.WaitResponse;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The few Docker Engine API calls the docker runtime makes, through docker-java. Every docker-java type stays in
 * this class: the rest of the package sees container ids, plain records and {@link DockerEngineException}.
 *
 * <p>API version: docker-java sends unversioned paths when no version is configured, and the engine then answers in
 * its <em>own</em> newest dialect, which may be newer than docker-java's models. So {@link #connect} negotiates the
 * way the docker CLI does: it asks the engine's {@code /version} (unversioned), then pins the client to the older of
 * the engine's API version and the newest one docker-java 3.4 knows (1.44). A Debian docker.io 20.10 engine thus
 * gets 1.41; nothing newer than the engine is ever requested.
 */
final class DockerEngine implements AutoCloseable {
    /** The newest API version docker-java 3.4's models describe. */
    private static final RemoteApiVersion NEWEST_KNOWN = RemoteApiVersion.VERSION_1_44;
    /** Labels, host networking and stop timeouts are all older than this; older engines are refused. */
    private static final RemoteApiVersion OLDEST_SUPPORTED = RemoteApiVersion.VERSION_1_24;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Each replica holds two long requests open (its exit wait and its log stream), plus short calls: this bounds
     * the replicas one runtime can run at a little under 250.
     */
    private static final int MAX_CONNECTIONS = 500;

    private final DockerClient client;
    private final String apiVersion;

    private DockerEngine(DockerClient client, String apiVersion) {
        this.client = client;
        this.apiVersion = apiVersion;
    }

    /**
     * Connects and negotiates the API version.
     *
     * @throws DockerEngineException when no engine answers at {@code host}, or it is too old
     */
    static DockerEngine connect(URI host) {
        String engineVersion;
        try (DockerClient unversioned = client(host, RemoteApiVersion.UNKNOWN_VERSION)) {
            engineVersion = unversioned.versionCmd().exec().getApiVersion();
        } catch (IOException | RuntimeException e) {
            throw new DockerEngineException("cannot reach the Docker engine at " + host + ": " + describe(e)
                    + " (is dockerd running, and may this user open its socket?)", false, e);
        }
        RemoteApiVersion engine = RemoteApiVersion.parseConfig(engineVersion);
        if (!engine.isGreaterOrEqual(OLDEST_SUPPORTED)) {
            throw new DockerEngineException("the Docker engine at " + host + " speaks API " + engineVersion
                    + "; the docker runtime needs " + OLDEST_SUPPORTED.getVersion() + " or newer", false, null);
        }
        RemoteApiVersion pinned = engine.isGreater(NEWEST_KNOWN) ? NEWEST_KNOWN : engine;
        return new DockerEngine(client(host, pinned), pinned.getVersion());
    }

    private static DockerClient client(URI host, RemoteApiVersion version) {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host.toString())
                .withApiVersion(version)
                .build();
        // No response timeout: exit waits and log streams legitimately stay open for as long as a container runs.
        DockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(MAX_CONNECTIONS)
                .connectionTimeout(CONNECT_TIMEOUT)
                .build();
        return DockerClientImpl.getInstance(config, http);
    }

    /** The API version every call uses, e.g. "1.41". */
    String apiVersion() {
        return apiVersion;
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

    /** A followed log stream: close it to stop following; {@link #ended()} completes when the stream ends. */
    interface LogStream extends Closeable {
        CompletableFuture<Void> ended();

        @Override
        void close();
    }

    /**
     * Follows a container's stdout and stderr from {@code since} (whole seconds, as the API takes it) until the
     * container stops; every chunk goes to {@code sink} in the order the engine sends it.
     */
    LogStream followLogs(String containerId, Instant since, Consumer<byte[]> sink) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        ResultCallback.Adapter<Frame> callback = client.logContainerCmd(containerId)
                .withStdOut(true).withStdErr(true).withFollowStream(true)
                .withSince((int) Math.max(0, since.getEpochSecond()))
                .exec(new ResultCallback.Adapter<>() {
                    @Override
                    public void onNext(Frame frame) {
                        sink.accept(frame.getPayload());
                    }

                    @Override
                    public void onError(Throwable error) {
                        closeQuietly(this);
                        ended.complete(null);
                    }

                    @Override
                    public void onComplete() {
                        closeQuietly(this);
                        ended.complete(null);
                    }
                });
        return new LogStream() {
            @Override
            public CompletableFuture<Void> ended() {
                return ended;
            }

            @Override
            public void close() {
                closeQuietly(callback);
                ended.complete(null);
            }
        };
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            // Nothing left to do with a client we are throwing away.
        }
    }

    private <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (NotModifiedException alreadyThere) {
            // 304: e.g. stopping a stopped container. The wanted state holds.
            return null;
        } catch (DockerException e) {
            throw new DockerEngineException(what + ": " + describe(e), e instanceof NotFoundException, e);
        } catch (RuntimeException e) {
            throw new DockerEngineException(what + ": " + describe(e), false, e);
        }
    }

    private void perform(String what, Runnable action) {
        call(what, () -> {
            action.run();
            return null;
        });
    }

    /** docker-java puts the engine's JSON error body in the message: keep only its "message". */
    private static String describe(Throwable error) {
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage().trim();
        int start = message.indexOf("{\"message\":\"");
        if (start >= 0) {
            int end = message.indexOf("\"}", start);
            if (end > start) {
                return message.substring(start + "{\"message\":\"".length(), end);
            }
        }
        return message;
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException | RuntimeException e) {
            // Closing a finished stream.
        }
    }
}
