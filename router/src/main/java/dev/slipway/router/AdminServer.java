package dev.slipway.router;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The router's admin port. Open to everyone: {@code GET /metrics} (Prometheus text),
 * {@code GET /metrics/<revision>.json} ({@link RevisionMetrics}), {@code GET /samples?since=..} (per-request latency
 * samples, {@link LatencySamplesJson}), {@code GET /routes} (the table in force, JSON)
 * and {@code GET /healthz} (answers with header {@value #PID_HEADER}). For callers the {@link AdminAccess}
 * authorizes: {@code PUT /routes} (replace the table; body as {@code GET /routes} writes it) and
 * {@code POST /drain?host=..&port=..&timeoutMillis=..} (answers {@code {"drained":true|false}}). Kept off the
 * service port so user traffic can never reach it.
 */
final class AdminServer {

    static final String PID_HEADER = "X-Slipway-Router-Pid";
    /** A drain waits for in-flight requests; longer than this is a caller's mistake, not a slow request. */
    static final Duration MAX_DRAIN_TIMEOUT = Duration.ofMinutes(10);
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;

    private final Channel serverChannel;
    private final ExecutorService drainExecutor;

    private AdminServer(Channel serverChannel, ExecutorService drainExecutor) {
        this.serverChannel = serverChannel;
        this.drainExecutor = drainExecutor;
    }

    static AdminServer start(BuiltInRouter router, RouterConfig config, AdminAccess access, EventLoopGroup adminGroup,
                             ChannelGroup allConnections) {
        // Draining blocks until in-flight requests finish; it must never hold an event loop that serves them.
        ExecutorService drainExecutor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "slipway-router-drain");
            thread.setDaemon(true);
            return thread;
        });
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(adminGroup)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        allConnections.add(channel);
                        channel.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast(new AdminHandler(router, access, drainExecutor));
                    }
                });
        try {
            Channel channel = BuiltInRouter.bindOrExplain(bootstrap, config.admin().host(), config.admin().port(),
                    "the admin port");
            return new AdminServer(channel, drainExecutor);
        } catch (RuntimeException e) {
            drainExecutor.shutdownNow();
            throw e;
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    void close() {
        serverChannel.close().syncUninterruptibly();
        drainExecutor.shutdownNow();
    }

    private static final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final BuiltInRouter router;
        private final AdminAccess access;
        private final ExecutorService drainExecutor;

        AdminHandler(BuiltInRouter router, AdminAccess access, ExecutorService drainExecutor) {
            this.router = router;
            this.access = access;
            this.drainExecutor = drainExecutor;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            String path = uri.path();
            HttpMethod method = request.method();
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (method.equals(HttpMethod.GET)) {
                respond(ctx, keepAlive, read(path, uri));
            } else if (!path.equals("/routes") && !path.equals("/drain")) {
                respond(ctx, keepAlive, text(HttpResponseStatus.NOT_FOUND, "not found: " + path + "\n"));
            } else if (!(path.equals("/routes") ? method.equals(HttpMethod.PUT) : method.equals(HttpMethod.POST))) {
                FullHttpResponse refused = text(HttpResponseStatus.METHOD_NOT_ALLOWED, method + " " + path
                        + " is not supported\n");
                refused.headers().set(HttpHeaderNames.ALLOW, path.equals("/routes") ? "GET, PUT" : "POST");
                respond(ctx, keepAlive, refused);
            } else if (!access.mutable()) {
                respond(ctx, keepAlive, error(HttpResponseStatus.FORBIDDEN,
                        "this router is driven in-process; its admin port is read-only"));
            } else if (!access.authorizes(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                FullHttpResponse refused = error(HttpResponseStatus.UNAUTHORIZED,
                        "missing or wrong Authorization: Bearer token");
                refused.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                respond(ctx, keepAlive, refused);
            } else if (path.equals("/routes")) {
                respond(ctx, keepAlive, replaceRoutes(request.content().toString(StandardCharsets.UTF_8)));
            } else {
                drain(ctx, keepAlive, uri);
            }
        }

        private FullHttpResponse read(String path, QueryStringDecoder uri) {
            if (path.equals("/samples")) {
                return samples(uri);
            }
            if (path.equals("/metrics")) {
                return text(HttpResponseStatus.OK, PrometheusExporter.CONTENT_TYPE,
                        PrometheusExporter.render(router.counters().sortedByRevision()));
            }
            if (path.startsWith("/metrics/") && path.endsWith(".json") && path.length() > "/metrics/.json".length()) {
                String revision = path.substring("/metrics/".length(), path.length() - ".json".length());
                return json(HttpResponseStatus.OK, RevisionMetricsJson.render(router.metrics(revision)));
            }
            if (path.equals("/routes")) {
                return json(HttpResponseStatus.OK, RouteTableJson.render(router.routes()));
            }
            if (path.equals("/healthz")) {
                FullHttpResponse response = text(HttpResponseStatus.OK, "ok\n");
                // Lets a restarted controller check that the admin port it found belongs to the pid it recorded.
                response.headers().set(PID_HEADER, ProcessHandle.current().pid());
                return response;
            }
            return text(HttpResponseStatus.NOT_FOUND,
                    "not found: try /metrics, /metrics/<revision>.json, /samples?since=<epoch ms>, /routes or /healthz\n");
        }

        private FullHttpResponse samples(QueryStringDecoder uri) {
            long since;
            try {
                since = Long.parseLong(parameter(uri, "since"));
            } catch (IllegalArgumentException e) {
                return error(HttpResponseStatus.BAD_REQUEST, "GET /samples?since=<epoch milliseconds>[&revision=NAME...]: "
                        + (e instanceof NumberFormatException ? "since is not a number" : e.getMessage()));
            }
            List<String> revisions = uri.parameters().getOrDefault("revision", List.of());
            return json(HttpResponseStatus.OK, LatencySamplesJson.render(router.counters(), since, revisions));
        }

        private FullHttpResponse replaceRoutes(String body) {
            RouteTable table;
            try {
                table = RouteTableJson.parse(body);
            } catch (IllegalArgumentException e) {
                return error(HttpResponseStatus.BAD_REQUEST, "route table refused: " + e.getMessage());
            }
            router.route(table);
            LOG.info("route table replaced through the admin port: {}", table);
            return json(HttpResponseStatus.OK, RouteTableJson.render(router.routes()));
        }

        private void drain(ChannelHandlerContext ctx, boolean keepAlive, QueryStringDecoder uri) {
            Endpoint endpoint;
            Duration timeout;
            try {
                endpoint = new Endpoint(parameter(uri, "host"), Integer.parseInt(parameter(uri, "port")));
                timeout = Duration.ofMillis(Long.parseLong(parameter(uri, "timeoutMillis")));
                if (timeout.isNegative() || timeout.compareTo(MAX_DRAIN_TIMEOUT) > 0) {
                    throw new IllegalArgumentException("timeoutMillis must be in 0.." + MAX_DRAIN_TIMEOUT.toMillis());
                }
            } catch (IllegalArgumentException e) {
                respond(ctx, keepAlive, error(HttpResponseStatus.BAD_REQUEST,
                        "POST /drain?host=..&port=..&timeoutMillis=..: " + e.getMessage()));
                return;
            }
            // No further request is read from this connection until the answer is written, so answers
            // cannot overtake each other on a pipelining client.
            ctx.channel().config().setAutoRead(false);
            try {
                drainExecutor.execute(() -> {
                    FullHttpResponse response;
                    try {
                        boolean drained = router.awaitDrained(endpoint, timeout);
                        response = json(HttpResponseStatus.OK, StrictJson.write(new Drained(drained)));
                    } catch (RuntimeException e) {
                        response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "drain failed: " + e);
                    }
                    respond(ctx, keepAlive, response);
                    ctx.channel().config().setAutoRead(true);
                });
            } catch (RejectedExecutionException closing) {
                ctx.channel().config().setAutoRead(true);
                respond(ctx, false, error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the router is closing"));
            }
        }

        private static String parameter(QueryStringDecoder uri, String name) {
            List<String> values = uri.parameters().get(name);
            if (values == null || values.size() != 1 || values.get(0).isBlank()) {
                throw new IllegalArgumentException("exactly one " + name + " is required");
            }
            return values.get(0);
        }

        private static void respond(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static FullHttpResponse error(HttpResponseStatus status, String message) {
            return json(status, StrictJson.write(new ErrorJson(message)));
        }

        private static FullHttpResponse json(HttpResponseStatus status, String body) {
            return text(status, "application/json", body);
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body) {
            return text(status, "text/plain; charset=utf-8", body);
        }

        private static FullHttpResponse text(HttpResponseStatus status, String contentType, String body) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(bytes));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return response;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The answer to {@code POST /drain}. */
    record Drained(@Required boolean drained) {
    }

    /** The body of every error the admin port answers. */
    record ErrorJson(String error) {
    }
}
