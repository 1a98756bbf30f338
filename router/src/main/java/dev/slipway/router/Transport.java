package dev.slipway.router;

import io.netty.channel.DefaultSelectStrategyFactory;
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
import io.netty.util.concurrent.DefaultEventExecutorChooserFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorChooserFactory;
import io.netty.util.concurrent.ThreadPerTaskExecutor;

import java.nio.channels.spi.SelectorProvider;

/**
 * The Netty transport the router runs on: native epoll on Linux (fewer syscalls and copies per request than
 * the JDK selector, see bench/router), Java NIO everywhere else. Channels must match their event loops, so
 * every group and channel class comes from here.
 *
 * @param name one word for logs: {@code epoll} or {@code nio}
 */
record Transport(String name, Class<? extends ServerSocketChannel> serverChannel,
                 Class<? extends SocketChannel> socketChannel) {

    /** Set {@code -Dslipway.router.transport=nio} to rule the native transport out when chasing a problem. */
    static final String PROPERTY = "slipway.router.transport";

    private static final Transport EPOLL = new Transport("epoll", EpollServerSocketChannel.class,
            EpollSocketChannel.class);
    private static final Transport NIO = new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class);

    /** Epoll when its native library loads on this machine and nobody asked for NIO; NIO otherwise. */
    static Transport best() {
        if (!"nio".equals(System.getProperty(PROPERTY)) && epollAvailable()) {
            return EPOLL;
        }
        return NIO;
    }

    static Transport nio() {
        return NIO;
    }

    EventLoopGroup newGroup(int threads, String threadName) {
        return newGroup(threads, threadName, DefaultEventExecutorChooserFactory.INSTANCE);
    }

    /** A group whose {@code next()} is {@code placement}'s choice: for the loops that serve client connections. */
    EventLoopGroup newGroup(int threads, String threadName, EventExecutorChooserFactory placement) {
        ThreadPerTaskExecutor executor = new ThreadPerTaskExecutor(new DefaultThreadFactory(threadName));
        return this == EPOLL
                ? new EpollEventLoopGroup(threads, executor, placement, DefaultSelectStrategyFactory.INSTANCE)
                : new NioEventLoopGroup(threads, executor, placement, SelectorProvider.provider(),
                        DefaultSelectStrategyFactory.INSTANCE);
    }

    private static boolean epollAvailable() {
        try {
            return Epoll.isAvailable();
        } catch (LinkageError e) {
            // The native jar is for linux-x86_64 only; on any other platform its classes may fail to link.
            return false;
        }
    }
}
