package dev.slipway.router;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many client connections the router holds open at once (both listeners together). A connection beyond the
 * limit is not served: its first request is answered {@code 503} with {@code Connection: close}, so the client
 * learns why instead of waiting in the accept queue or reading a reset; it is closed after the header timeout at
 * the latest either way.
 */
final class ConnectionLimit {

    private static final byte[] REFUSAL = "{\"error\":\"too many connections\"}".getBytes(StandardCharsets.US_ASCII);

    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimit(int max) {
        this.max = max;
    }

    /** Counts {@code channel} until it closes, if there is room for it; false when it must be refused. */
    boolean admit(Channel channel) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            return false;
        }
        channel.closeFuture().addListener(closed -> open.decrementAndGet());
        return true;
    }

    int open() {
        return open.get();
    }

    /** What serves a refused connection, after the HTTP codec. */
    static SimpleChannelInboundHandler<Object> refusal(long closeAfterNanos) {
        return new Refusal(closeAfterNanos);
    }

    private static final class Refusal extends SimpleChannelInboundHandler<Object> {
        private final long closeAfterNanos;

        Refusal(long closeAfterNanos) {
            super(false);
            this.closeAfterNanos = closeAfterNanos;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.executor().schedule(() -> ctx.close(), closeAfterNanos, TimeUnit.NANOSECONDS);
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object message) {
            boolean request = message instanceof HttpRequest;
            ReferenceCountUtil.release(message);
            if (!request) {
                return;
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.wrappedBuffer(REFUSAL));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, REFUSAL.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .set(ProxyHeaders.REVISION_HEADER, CountersByRevision.NO_REVISION);
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
