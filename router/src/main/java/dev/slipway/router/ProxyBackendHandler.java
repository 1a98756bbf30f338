package dev.slipway.router;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The upstream side of a proxied exchange: hands what the upstream answers to the frontend handler that
 * currently owns this connection. While the connection sits idle in the pool it has no owner, and an
 * upstream that closes it is simply forgotten.
 */
final class ProxyBackendHandler extends ChannelInboundHandlerAdapter {

    private final UpstreamPool pool;
    private final UpstreamEndpoint upstream;
    private ProxyFrontendHandler owner;

    ProxyBackendHandler(UpstreamPool pool, UpstreamEndpoint upstream) {
        this.pool = pool;
        this.upstream = upstream;
    }

    void attach(ProxyFrontendHandler frontend) {
        this.owner = frontend;
    }

    void detach() {
        this.owner = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (owner != null) {
            owner.onUpstreamMessage(this, message);
        } else {
            // An idle connection must not speak: whatever it says cannot belong to any request.
            ReferenceCountUtil.release(message);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onUpstreamWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ProxyFrontendHandler current = owner;
        owner = null;
        if (current != null) {
            current.onUpstreamClosed(this);
        } else {
            pool.forgetIdle(upstream, ctx.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and write failures are reported to the owner through channelInactive, once.
        ctx.close();
    }
}
