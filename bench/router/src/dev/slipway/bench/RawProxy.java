package dev.slipway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The floor of a Netty proxy (run.sh --floor): forwards bytes between each client connection and one upstream
 * connection of its own, on native epoll (NIO where it does not load) with one event loop per core, as the router, and does no HTTP work at all (no
 * parsing, no header rewriting, no routing, no metrics). What it costs per request is what the router's own work
 * adds to; it is not a usable proxy (no framing checks, no timeouts, one upstream connection per client).
 */
final class RawProxy implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel server;

    private RawProxy(EventLoopGroup group, Channel server) {
        this.group = group;
        this.server = server;
    }

    /** Listens on 127.0.0.1; client connections alternate between the two upstream ports. */
    static RawProxy start(int port1, int port2) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        DefaultThreadFactory threads = new DefaultThreadFactory("raw-proxy-io");
        int cores = Runtime.getRuntime().availableProcessors();
        EventLoopGroup group = epoll ? new EpollEventLoopGroup(cores, threads) : new NioEventLoopGroup(cores, threads);
        Class<? extends ServerSocketChannel> serverChannel = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        Class<? extends SocketChannel> socketChannel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        int[] next = {0};
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(serverChannel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false) // until the upstream connection is there
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        int port = next[0]++ % 2 == 0 ? port1 : port2; // the boss thread alone runs this
                        channel.pipeline().addLast(new ClientSide(socketChannel, port));
                    }
                });
        Channel server = bootstrap.bind(RouterBench.HOST, 0).sync().channel();
        return new RawProxy(group, server);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Writes what one side reads to its peer; one flush per read burst, as the router does. */
    private static class Forward extends ChannelInboundHandlerAdapter {
        Channel peer;

        Forward(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            peer.write(message, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            peer.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer != null) {
                peer.close();
            }
        }
    }

    /** The client side: connects its upstream on its own event loop, then starts reading. */
    private static final class ClientSide extends Forward {
        private final Class<? extends SocketChannel> socketChannel;
        private final int port;

        ClientSide(Class<? extends SocketChannel> socketChannel, int port) {
            super(null);
            this.socketChannel = socketChannel;
            this.port = port;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            new Bootstrap()
                    .group(client.eventLoop())
                    .channel(socketChannel)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new Forward(client))
                    .connect(RouterBench.HOST, port)
                    .addListener((ChannelFutureListener) connected -> {
                        if (connected.isSuccess()) {
                            peer = connected.channel();
                            client.config().setAutoRead(true);
                        } else {
                            client.close();
                        }
                    });
        }
    }
}
