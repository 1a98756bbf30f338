package dev.slipway.bench;

import dev.slipway.router.Backend;
import dev.slipway.router.BuiltInRouter;
import dev.slipway.router.Endpoint;
import dev.slipway.router.RouteTable;
import dev.slipway.router.RouterConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Launcher for bench/router/run.sh. Everything binds 127.0.0.1 only, on ports the OS picks.
 *
 * <pre>
 *   RouterBench backend [threads]          two tiny Netty HTTP backends; prints "backend PORT1 PORT2"
 *   RouterBench router PORT1 PORT2         Slipway's BuiltInRouter, revisions a and b at 50/50;
 *                                          prints "router PORT ADMINPORT"
 *   RouterBench raw PORT1 PORT2            a byte-forwarding Netty proxy without HTTP work (the floor, see
 *                                          RawProxy); prints "raw PORT"
 *   RouterBench all [threads]              both in one JVM; prints both lines
 *   RouterBench freeport                   prints a port that was free a moment ago
 *   RouterBench jvm-options                prints the JVM options RouterProcess gives the router process
 * </pre>
 * Each mode runs until the process is terminated (SIGTERM runs the shutdown hook).
 */
public final class RouterBench {

    static final String HOST = "127.0.0.1";
    static final byte[] BODY = "hello from the benchmark backend\n".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        List<AutoCloseable> running = new ArrayList<>();
        switch (args[0]) {
            case "freeport" -> {
                try (var socket = new java.net.ServerSocket()) {
                    socket.setReuseAddress(true);
                    socket.bind(new InetSocketAddress(HOST, 0));
                    System.out.println(socket.getLocalPort());
                }
                return;
            }
            case "jvm-options" -> {
                System.out.println(String.join(" ", dev.slipway.router.RouterProcess.JVM_OPTIONS));
                return;
            }
            case "backend" -> running.add(startBackends(threads(args, 1)));
            case "router" -> {
                if (args.length < 3) {
                    usage();
                }
                running.add(startRouter(Integer.parseInt(args[1]), Integer.parseInt(args[2])));
            }
            case "raw" -> {
                if (args.length < 3) {
                    usage();
                }
                RawProxy raw = RawProxy.start(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
                System.out.println("raw " + raw.port());
                running.add(raw);
            }
            case "all" -> {
                Backends backends = startBackends(threads(args, 1));
                running.add(backends);
                running.add(startRouter(backends.ports[0], backends.ports[1]));
            }
            default -> usage();
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (int i = running.size() - 1; i >= 0; i--) {
                try {
                    running.get(i).close();
                } catch (Exception ignored) {
                    // shutting down anyway
                }
            }
            stop.countDown();
        }, "bench-shutdown"));
        System.out.flush();
        stop.await();
    }

    private static int threads(String[] args, int index) {
        return args.length > index ? Integer.parseInt(args[index]) : 2;
    }

    private static void usage() {
        System.err.println("usage: RouterBench backend [threads] | router PORT1 PORT2 | raw PORT1 PORT2 | all [threads]"
                + " | freeport"
                + " | jvm-options");
        System.exit(2);
    }

    static BuiltInRouter startRouter(int port1, int port2) {
        BuiltInRouter router = BuiltInRouter.start(RouterConfig.of(HOST, 0, 0));
        router.route(new RouteTable(List.of(
                new Backend("a", 50, List.of(new Endpoint(HOST, port1))),
                new Backend("b", 50, List.of(new Endpoint(HOST, port2)))), List.of()));
        System.out.println("router " + router.address().getPort() + " " + router.adminAddress().getPort());
        return router;
    }

    /** Two HTTP/1.1 keep-alive servers on one event-loop group, answering every request with {@link #BODY}. */
    static Backends startBackends(int threads) throws InterruptedException {
        EventLoopGroup group = new NioEventLoopGroup(threads, new DefaultThreadFactory("bench-backend"));
        ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(BODY.length).writeBytes(BODY));
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(64 * 1024))
                                .addLast(new FixedAnswer(body));
                    }
                });
        Channel first = bootstrap.bind(HOST, 0).sync().channel();
        Channel second = bootstrap.bind(HOST, 0).sync().channel();
        int[] ports = {((InetSocketAddress) first.localAddress()).getPort(),
                ((InetSocketAddress) second.localAddress()).getPort()};
        System.out.println("backend " + ports[0] + " " + ports[1]);
        return new Backends(group, List.of(first, second), ports);
    }

    record Backends(EventLoopGroup group, List<Channel> channels, int[] ports) implements AutoCloseable {
        @Override
        public void close() {
            channels.forEach(Channel::close);
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static final class FixedAnswer extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ByteBuf body;

        FixedAnswer(ByteBuf body) {
            this.body = body;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    body.duplicate());
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            } else {
                ctx.write(response, ctx.voidPromise());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
