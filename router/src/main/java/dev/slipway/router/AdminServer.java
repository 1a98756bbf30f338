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

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The router's admin port: {@code GET /metrics} (Prometheus text), {@code GET /routes} (the table in force,
 * JSON) and {@code GET /healthz}. Kept off the service port so user traffic can never reach it.
 */
final class AdminServer {

    private final Channel serverChannel;

    private AdminServer(Channel serverChannel) {
        this.serverChannel = serverChannel;
    }

    static AdminServer start(BuiltInRouter router, RouterConfig config, EventLoopGroup bossGroup,
                             EventLoopGroup workerGroup, ChannelGroup allConnections) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        allConnections.add(channel);
                        channel.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(64 * 1024))
                                .addLast(new AdminHandler(router));
                    }
                });
        Channel channel = bootstrap.bind(config.adminHost(), config.adminPort()).syncUninterruptibly().channel();
        return new AdminServer(channel);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    void close() {
        serverChannel.close().syncUninterruptibly();
    }

    private static final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final BuiltInRouter router;

        AdminHandler(BuiltInRouter router) {
            this.router = router;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = new QueryStringDecoder(request.uri()).path();
            FullHttpResponse response;
            if (!request.method().equals(HttpMethod.GET)) {
                response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "only GET\n");
            } else if (path.equals("/metrics")) {
                response = text(HttpResponseStatus.OK, PrometheusExporter.CONTENT_TYPE,
                        PrometheusExporter.render(router.counters().sortedByRevision()));
            } else if (path.equals("/routes")) {
                response = text(HttpResponseStatus.OK, "application/json", RouteTableJson.render(router.routes()));
            } else if (path.equals("/healthz")) {
                response = text(HttpResponseStatus.OK, "text/plain", "ok\n");
            } else {
                response = text(HttpResponseStatus.NOT_FOUND, "text/plain", "not found: try /metrics or /routes\n");
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
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
}
