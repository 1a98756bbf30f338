package dev.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.AsyncDockerCmd;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Frame;
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
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A docker-java client of one Docker engine with its API version negotiated, shared by the docker and swarm runtimes
 * (both speak the Engine API; only what they ask differs).
 *
 * <p>docker-java sends unversioned paths when no version is configured, and the engine then answers in its
 * <em>own</em> newest dialect, which may be newer than docker-java's models. So {@link #open} negotiates the way the
 * docker CLI does: it asks the engine's {@code /version} (unversioned), then pins the client to the older of the
 * engine's API version and the newest one docker-java 3.4 knows (1.44). A Debian docker.io 20.10 engine thus gets
 * 1.41; nothing newer than the engine is ever requested.
 *
 * @param config     what the client was built from; it also finds registry credentials in {@code ~/.docker}
 * @param apiVersion the version every call uses, e.g. "1.41"
 */
public record EngineConnection(DockerClient client, DockerClientConfig config, String apiVersion)
        implements AutoCloseable {
    /** The newest API version docker-java 3.4's models describe. */
    private static final RemoteApiVersion NEWEST_KNOWN = RemoteApiVersion.VERSION_1_44;
    /** Labels, host networking, stop timeouts and Swarm services are all older than this; older engines are refused. */
    private static final RemoteApiVersion OLDEST_SUPPORTED = RemoteApiVersion.VERSION_1_24;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Each docker replica holds two long requests open (its exit wait and its log stream), plus short calls: this
     * bounds the replicas one runtime can run at a little under 250.
     */
    private static final int MAX_CONNECTIONS = 500;

    /**
     * Connects and negotiates the API version.
     *
     * @param runtime names the runtime in the error, e.g. "docker runtime"
     * @throws DockerEngineException when no engine answers at {@code host}, or it is too old
     */
    public static EngineConnection open(URI host, String runtime) {
        String engineVersion;
        try (DockerClient unversioned = client(config(host, RemoteApiVersion.UNKNOWN_VERSION))) {
            engineVersion = unversioned.versionCmd().exec().getApiVersion();
        } catch (IOException | RuntimeException e) {
            throw new DockerEngineException("cannot reach the Docker engine at " + host + ": " + describe(e)
                    + " (is dockerd running, and may this user open its socket?)", false, e);
        }
        RemoteApiVersion engine = RemoteApiVersion.parseConfig(engineVersion);
        if (!engine.isGreaterOrEqual(OLDEST_SUPPORTED)) {
            throw new DockerEngineException("the Docker engine at " + host + " speaks API " + engineVersion
                    + "; the " + runtime + " needs " + OLDEST_SUPPORTED.getVersion() + " or newer", false, null);
        }
        RemoteApiVersion pinned = engine.isGreater(NEWEST_KNOWN) ? NEWEST_KNOWN : engine;
        DockerClientConfig config = config(host, pinned);
        return new EngineConnection(client(config), config, pinned.getVersion());
    }

    private static DockerClientConfig config(URI host, RemoteApiVersion version) {
        return DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host.toString())
                .withApiVersion(version)
                .build();
    }

    private static DockerClient client(DockerClientConfig config) {
        // No response timeout: exit waits and log streams legitimately stay open for as long as a replica runs.
        DockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(MAX_CONNECTIONS)
                .connectionTimeout(CONNECT_TIMEOUT)
                .build();
        return DockerClientImpl.getInstance(config, http);
    }

    /**
     * Runs one call; a docker-java failure becomes a {@link DockerEngineException} naming {@code what} and the engine's
     * own words. A 304 (e.g. stopping a stopped container) means the wanted state holds: null.
     */
    public static <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (NotModifiedException alreadyThere) {
            return null;
        } catch (DockerException e) {
            throw new DockerEngineException(what + ": " + describe(e), e instanceof NotFoundException, e);
        } catch (RuntimeException e) {
            throw new DockerEngineException(what + ": " + describe(e), false, e);
        }
    }

    /** As {@link #call}, for calls that answer nothing. */
    public static void perform(String what, Runnable action) {
        call(what, () -> {
            action.run();
            return null;
        });
    }

    /** A followed log stream: close it to stop following; {@link #ended()} completes when the stream ends. */
    public interface LogStream extends Closeable {
        CompletableFuture<Void> ended();

        @Override
        void close();
    }

    /**
     * Follows the frames of a log command (a container's or a Swarm service's) until the stream ends or is closed;
     * every chunk goes to {@code sink} in the order the engine sends it.
     */
    public static LogStream follow(AsyncDockerCmd<?, Frame> command, Consumer<byte[]> sink) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        ResultCallback.Adapter<Frame> callback = command.exec(new ResultCallback.Adapter<>() {
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

    /** docker-java puts the engine's JSON error body in the message: keep only its "message". */
    public static String describe(Throwable error) {
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

    @Override
    public void close() {
        closeQuietly(client);
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException | RuntimeException e) {
            // A stream that ended already, or a client we are throwing away.
        }
    }
}
