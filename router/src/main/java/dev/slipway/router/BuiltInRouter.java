package dev.slipway.router;

import dev.slipway.model.AddressRange;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Slipway's own HTTP/1.1 reverse proxy (Netty): splits a service's traffic between revisions by weight,
 * header route or sticky key, drains removed endpoints, retries what is safe to retry, and counts
 * everything per revision. One accept thread and one worker thread per core serve clients and upstreams, on
 * native epoll where available (see {@link Transport}); an upstream connection lives on the worker thread of
 * the client connection it serves, so a request never changes threads. The admin port has a thread of its
 * own, so scraping metrics or replacing routes never queues behind proxied traffic.
 *
 * <pre>{@code
 * try (BuiltInRouter router = BuiltInRouter.start(RouterConfig.of("127.0.0.1", 8080, 9090))) {
 *     router.route(RouteTable.single(new Backend("1.0.0", 100, List.of(new Endpoint("127.0.0.1", 8081)))));
 * }
 * }</pre>
 */
public final class BuiltInRouter implements TrafficRouter {

    private static final Logger LOG = LoggerFactory.getLogger(BuiltInRouter.class);
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

    private final RouterConfig config;
    private final AdminAccess adminAccess;
    private final Transport transport;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ConnectionPlacement placement = new ConnectionPlacement();
    private final EventLoopGroup adminGroup;
    private final ChannelGroup allConnections = new DefaultChannelGroup("slipway-router", GlobalEventExecutor.INSTANCE);
    private final CountersByRevision counters;
    /** The worker event loops, so that each can write latency samples of its own (see {@link LatencySamples}). */
    private final List<EventExecutor> workerLoops = new ArrayList<>();
    private final UpstreamPool pool;
    private final ConnectionLimit connectionLimit;
    private final HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
            .setMaxInitialLineLength(4096).setMaxHeaderSize(16384).setMaxChunkSize(16384);
    private TlsContext tls;
    private volatile BackendSelector selector;
    private Channel serverChannel;
    private Channel previewChannel;
    private AdminServer admin;
    private boolean closed;

    private BuiltInRouter(RouterConfig config, AdminAccess adminAccess) {
        this.config = config;
        this.adminAccess = adminAccess;
        this.transport = Transport.best();
        this.bossGroup = transport.newGroup(1, "slipway-router-accept");
        // One per core: more threads than cores only adds context switches to a proxy that never blocks.
        this.workerGroup = transport.newGroup(Runtime.getRuntime().availableProcessors(), "slipway-router-io",
                placement);
        workerGroup.forEach(workerLoops::add);
        this.counters = new CountersByRevision(SampleClock.start(), workerLoops.size());
        // A few requests a second: plain NIO is plenty, and keeps the admin port up whatever the native library does.
        this.adminGroup = Transport.nio().newGroup(1, "slipway-router-admin");
        this.pool = new UpstreamPool(config, allConnections, transport, workerLoops.size());
        this.connectionLimit = new ConnectionLimit(config.maxConnections());
        this.selector = BackendSelector.build(new RouteTable(List.of(), List.of()), pool, counters);
    }

    /**
     * Binds the service and admin ports and starts with an empty table (every request gets a 503). The admin
     * port is read-only: the caller drives this router in-process.
     */
    public static BuiltInRouter start(RouterConfig config) {
        return start(config, AdminAccess.readOnly());
    }

    /**
     * Like {@link #start(RouterConfig)}, but the admin port also accepts {@code PUT /routes} and
     * {@code POST /drain} from callers presenting {@code Authorization: Bearer <adminToken>}, so a
     * {@link RemoteRouter} in another process can drive it.
     */
    public static BuiltInRouter start(RouterConfig config, String adminToken) {
        return start(config, AdminAccess.bearer(adminToken));
    }

    static BuiltInRouter start(RouterConfig config, AdminAccess adminAccess) {
        BuiltInRouter router = new BuiltInRouter(config, adminAccess);
        try {
            router.bind();
        } catch (RuntimeException e) {
            router.close();
            throw e;
        }
        LOG.info("router listening on {}, admin on {} ({}; {} transport)", router.address(), router.adminAddress(),
                adminAccess, router.transport.name());
        return router;
    }

    private void bind() {
        if (config.tls().isPresent()) {
            tls = TlsContext.start(config.tls().get(), config.timeouts().header(), adminGroup.next(),
                    TlsContext.POLL_INTERVAL);
        }
        serverChannel = bindOrExplain(clientBootstrap(false), config.listen().host(), config.listen().port(), "clients");
        if (config.preview().isPresent()) {
            Endpoint preview = config.preview().get();
            previewChannel = bindOrExplain(clientBootstrap(true), preview.host(), preview.port(), "preview clients");
        }
        admin = AdminServer.start(this, config, adminAccess, adminGroup, allConnections);
    }

    /** Clients of the service port, or of the preview listener (everything to the preview revision). */
    private ServerBootstrap clientBootstrap(boolean preview) {
        return new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true) // see ProxyFrontendHandler.userEventTriggered
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        allConnections.add(channel);
                        channel.closeFuture().addListener(closed -> placement.closed(channel.eventLoop()));
                        ChannelPipeline pipeline = channel.pipeline();
                        if (tls != null) {
                            pipeline.addLast("tls", tls.newHandler(channel.alloc()));
                        }
                        if (!connectionLimit.admit(channel)) {
                            LOG.debug("refusing {}: {} client connections open", channel, config.maxConnections());
                            pipeline.addLast("http", new ClientHttpCodec(decoderConfig))
                                    .addLast("refuse", ConnectionLimit.refusal(config.timeouts().header().toNanos()));
                            return;
                        }
                        ClientTimeouts timeouts = new ClientTimeouts(config.timeouts());
                        ProxyFrontendHandler frontend = new ProxyFrontendHandler(BuiltInRouter.this, preview, timeouts);
                        timeouts.frontend(frontend);
                        pipeline.addLast("timeouts", timeouts)
                                .addLast("http", new ClientHttpCodec(decoderConfig))
                                .addLast("proxy", frontend);
                    }
                });
    }

    /**
     * Binds, turning Netty's undeclared {@code BindException} into an error that names the address; left
     * uncaught, it would skip {@link #close()} and leave the event loop threads keeping the JVM alive.
     */
    static Channel bindOrExplain(ServerBootstrap bootstrap, String host, int port, String purpose) {
        try {
            return bootstrap.bind(host, port).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen for " + purpose + " on " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void route(RouteTable table) {
        Set<Endpoint> routed = new HashSet<>();
        table.backends().forEach(backend -> routed.addAll(backend.endpoints()));
        BackendSelector next = BackendSelector.build(table, pool, counters);
        // Endpoints come back into rotation before the swap and leave it after, so no table in force
        // ever lists an endpoint marked as removed.
        pool.markRouted(routed);
        selector = next;
        pool.markRemovedExcept(routed);
    }

    @Override
    public RouteTable routes() {
        return selector.table();
    }

    @Override
    public boolean awaitDrained(Endpoint endpoint, Duration timeout) {
        UpstreamEndpoint upstream = pool.find(endpoint);
        if (upstream == null) {
            return true; // never routed to
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        upstream.closeIdleConnections();
        while (upstream.inFlight() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            sleep(5);
        }
        // Connections that were busy a moment ago are closed on completion when removed; catch the rest.
        upstream.closeIdleConnections();
        return true;
    }

    @Override
    public RevisionMetrics metrics(String revision) {
        RevisionCounters revisionCounters = counters.find(revision);
        return revisionCounters == null ? RevisionMetrics.empty(revision) : revisionCounters.snapshot();
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    @Override
    public Optional<InetSocketAddress> previewAddress() {
        return Optional.ofNullable(previewChannel).map(channel -> (InetSocketAddress) channel.localAddress());
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (previewChannel != null) {
            previewChannel.close().syncUninterruptibly();
        }
        long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
        while (counters.totalInFlight() > 0 && System.nanoTime() - deadline < 0) {
            sleep(10);
        }
        if (admin != null) {
            admin.close();
        }
        if (tls != null) {
            tls.close();
        }
        allConnections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        adminGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        bossGroup.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        workerGroup.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        adminGroup.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        LOG.info("router closed");
    }

    /** Whether {@code peer} is one of the configured trusted proxies. */
    boolean trusts(InetAddress peer) {
        if (config.trustedProxies().isEmpty()) {
            return false;
        }
        byte[] address = peer.getAddress();
        for (AddressRange range : config.trustedProxies()) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The number of {@code loop} among the worker event loops: where its latency samples go. */
    int eventLoopIndex(EventExecutor loop) {
        int index = workerLoops.indexOf(loop);
        if (index < 0) {
            throw new IllegalStateException(loop + " is not one of the router's worker event loops");
        }
        return index;
    }

    /** Client connections open now on each worker event loop, in loop order: for tests. */
    int[] connectionsPerLoop() {
        return placement.open();
    }

    /** Client connections open now (both listeners). */
    int openConnections() {
        return connectionLimit.open();
    }

    BackendSelector selector() {
        return selector;
    }

    UpstreamPool pool() {
        return pool;
    }

    RouterConfig config() {
        return config;
    }

    CountersByRevision counters() {
        return counters;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for in-flight requests", e);
        }
    }
}
