package dev.slipway.router;

import dev.slipway.model.RouterSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Client-side timeouts of one connection, in front of the HTTP codec so it sees raw reads:
 * <ul>
 *   <li><b>header</b>: a request head must arrive whole within this from its first byte (or from connecting, for
 *       the first request); a client that sent part of one gets a 408 and the connection closes;</li>
 *   <li><b>bodyIdle</b>: while a request body arrives, a pause longer than this ends the exchange (408, closed);</li>
 *   <li><b>keepAliveIdle</b>: a connection idle between requests closes after this, silently.</li>
 * </ul>
 * While the router waits for the upstream's answer, the upstream timeouts apply instead. One check per connection
 * is scheduled at a time, which re-arms itself for what is left, so requests cost no timer work.
 */
final class ClientTimeouts extends ChannelInboundHandlerAdapter {

    private static final ByteBuf HEAD_TIMED_OUT = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
            "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: 36\r\n"
                    + "Connection: close\r\n\r\n{\"error\":\"request header timed out\"}", StandardCharsets.US_ASCII));

    private enum Phase { AWAITING_HEAD, READING_BODY, EXCHANGING }

    private final long headerNanos;
    private final long bodyIdleNanos;
    private final long keepAliveIdleNanos;
    /** The longest a check sleeps: a phase that starts meanwhile is enforced at most this late. */
    private final long granularityNanos;
    private final Runnable check = this::check;
    private ChannelHandlerContext ctx;
    private ProxyFrontendHandler frontend;
    private Phase phase = Phase.AWAITING_HEAD;
    private boolean firstRequest = true;
    private long phaseStart;
    /** When the first byte of the awaited head arrived; 0 while none has. */
    private long headStart;
    private long lastRead;
    private ScheduledFuture<?> scheduled;

    ClientTimeouts(RouterSpec.Timeouts timeouts) {
        this.headerNanos = timeouts.header().toNanos();
        this.bodyIdleNanos = timeouts.bodyIdle().toNanos();
        this.keepAliveIdleNanos = timeouts.keepAliveIdle().toNanos();
        this.granularityNanos = Math.min(headerNanos, Math.min(bodyIdleNanos, keepAliveIdleNanos));
    }

    /** The handler told when a request body stalls; set once the pipeline is built. */
    void frontend(ProxyFrontendHandler handler) {
        this.frontend = handler;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        phaseStart = System.nanoTime();
        scheduled = context.executor().schedule(check, headerNanos, TimeUnit.NANOSECONDS);
        context.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (phase != Phase.EXCHANGING) {
            long now = System.nanoTime();
            lastRead = now;
            if (phase == Phase.AWAITING_HEAD && headStart == 0) {
                headStart = now;
            }
        }
        context.fireChannelRead(message);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        if (scheduled != null) {
            scheduled.cancel(false);
            scheduled = null;
        }
        context.fireChannelInactive();
    }

    /** A request head was decoded; its body (if any) follows. */
    void requestStarted() {
        phase = Phase.READING_BODY;
    }

    /** The request is read to its end: the upstream's turn. */
    void requestRead() {
        phase = Phase.EXCHANGING;
    }

    /** The exchange is over ({@code now} from {@link System#nanoTime()}): the connection waits for the next request. */
    void exchangeDone(long now) {
        phase = Phase.AWAITING_HEAD;
        firstRequest = false;
        phaseStart = now;
        headStart = 0;
    }

    private void check() {
        scheduled = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        long deadline = switch (phase) {
            case AWAITING_HEAD -> headStart != 0 ? headStart + headerNanos
                    : phaseStart + (firstRequest ? headerNanos : keepAliveIdleNanos);
            case READING_BODY -> lastRead + bodyIdleNanos;
            case EXCHANGING -> now + granularityNanos; // nothing to enforce now; look again later
        };
        long left = deadline - now;
        if (left > 0) {
            scheduled = ctx.executor().schedule(check, Math.min(left, granularityNanos), TimeUnit.NANOSECONDS);
        } else if (phase == Phase.READING_BODY) {
            frontend.onRequestBodyTimeout();
        } else if (headStart != 0) {
            ctx.writeAndFlush(HEAD_TIMED_OUT.duplicate()).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close(); // idle between requests: nothing to answer
        }
    }
}
