package dev.slipway.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;

import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keep-alive connections to upstream endpoints. A connection is created on the event loop of the
 * frontend connection that needs it, is used by one request at a time, and goes back to that event
 * loop's idle deque when its response is complete and both sides agreed to keep it alive.
 */
final class UpstreamPool {

    private final ConcurrentHashMap<Endpoint, UpstreamEndpoint> endpoints = new ConcurrentHashMap<>();
    private final Bootstrap template;
    private final ChannelGroup allConnections;
    private final int eventLoops;

    UpstreamPool(RouterConfig config, ChannelGroup allConnections, Transport transport, int eventLoops) {
        this.allConnections = allConnections;
        this.eventLoops = eventLoops;
        this.template = new Bootstrap()
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, config.timeouts().upstreamConnect().toMillis()));
    }

    UpstreamEndpoint endpoint(Endpoint endpoint) {
        return endpoints.computeIfAbsent(endpoint, key -> new UpstreamEndpoint(key, eventLoops));
    }

    /** Endpoints listed again after a removal take requests again. */
    void markRouted(Set<Endpoint> routed) {
        for (UpstreamEndpoint upstream : endpoints.values()) {
            if (routed.contains(upstream.endpoint())) {
                upstream.markRemoved(false);
            }
        }
    }

    /** Every known endpoint outside {@code routed} starts draining: no new requests, no pooling. */
    void markRemovedExcept(Set<Endpoint> routed) {
        for (UpstreamEndpoint upstream : endpoints.values()) {
            if (!routed.contains(upstream.endpoint())) {
                upstream.markRemoved(true);
            }
        }
    }

    UpstreamEndpoint find(Endpoint endpoint) {
        return endpoints.get(endpoint);
    }

    /** An idle, still open connection of this event loop, or null. Call on {@code eventLoop}. */
    Channel pollIdle(UpstreamEndpoint upstream, EventLoop eventLoop) {
        ArrayDeque<Channel> idle = upstream.idleConnections(eventLoop);
        Channel channel;
        while ((channel = idle.pollLast()) != null) {
            if (channel.isActive()) {
                return channel;
            }
            channel.close();
        }
        return null;
    }

    ChannelFuture connect(UpstreamEndpoint upstream, EventLoop eventLoop) {
        return template.clone(eventLoop)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        allConnections.add(channel);
                        // No HTTP codec: requests are written as bytes (UpstreamRequestHead), responses read as bytes
                        // (UpstreamResponseReader).
                        channel.pipeline().addLast("proxy", new ProxyBackendHandler(UpstreamPool.this, upstream));
                    }
                })
                .connect(upstream.address());
    }

    /** Pools a connection whose exchange completed cleanly, unless its endpoint is draining. Call on its loop. */
    void release(UpstreamEndpoint upstream, Channel channel) {
        ProxyFrontendHandler.setAutoRead(channel, true); // an idle connection must notice when the upstream closes it
        ArrayDeque<Channel> idle = upstream.idleConnections(channel.eventLoop());
        if (upstream.isRemoved() || !channel.isActive() || idle.size() >= UpstreamEndpoint.MAX_IDLE_PER_EVENT_LOOP) {
            channel.close();
            return;
        }
        idle.addLast(channel);
    }

    /** An idle connection was closed by the upstream: forget it. Call on its loop. */
    void forgetIdle(UpstreamEndpoint upstream, Channel channel) {
        upstream.idleConnections(channel.eventLoop()).remove(channel);
    }
}
