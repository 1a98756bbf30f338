package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream side of a proxied exchange: reads what the upstream answers ({@link UpstreamResponseReader}) and hands
 * it to the frontend handler that currently owns this connection. While the connection sits idle in the pool it has
 * no owner, and an upstream that closes it is simply forgotten.
 */
final class ProxyBackendHandler extends ChannelInboundHandlerAdapter implements UpstreamResponseReader.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyBackendHandler.class);

    private final UpstreamPool pool;
    private final UpstreamEndpoint upstream;
    private UpstreamResponseReader reader;
    private ProxyFrontendHandler owner;

    ProxyBackendHandler(UpstreamPool pool, UpstreamEndpoint upstream) {
        this.pool = pool;
        this.upstream = upstream;
    }

    /** {@code headRequest}: the request about to be sent is HEAD, so its response has no body. */
    void attach(ProxyFrontendHandler frontend, boolean headRequest) {
        this.owner = frontend;
        reader.expect(headRequest);
    }

    void detach() {
        this.owner = null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.reader = new UpstreamResponseReader(context.alloc());
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (!(message instanceof ByteBuf in)) {
            ReferenceCountUtil.release(message);
            return;
        }
        try {
            if (owner == null) {
                // An idle connection must not speak: whatever it says cannot belong to any request.
                context.close();
                return;
            }
            reader.read(in, this);
            if (in.isReadable()) {
                context.close(); // bytes after the end of the response answer nothing that was asked
            }
        } catch (UpstreamResponseReader.MalformedResponseException e) {
            LOG.debug("upstream {} sent a malformed response: {}", upstream, e.getMessage());
            context.close(); // reported through channelInactive like any broken connection
        } finally {
            in.release();
        }
    }

    @Override
    public void onHead(UpstreamResponseHead head) {
        if (owner != null) {
            owner.onUpstreamHead(this, head);
        }
    }

    @Override
    public void onBody(ByteBuf data) {
        if (owner != null) {
            owner.onUpstreamBody(this, data);
        } else {
            data.release();
        }
    }

    @Override
    public void onEnd(ByteBuf trailers) {
        if (owner != null) {
            owner.onUpstreamEnd(this, trailers);
        } else if (trailers != null) {
            trailers.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        if (owner != null) {
            owner.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (owner != null) {
            owner.onUpstreamWritabilityChanged();
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        if (owner != null) {
            reader.inputClosed(this); // a body delimited by the close is complete now
        }
        reader.release();
        ProxyFrontendHandler current = owner;
        owner = null;
        if (current != null) {
            current.onUpstreamClosed(this);
        } else {
            pool.forgetIdle(upstream, context.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // Resets and write failures are reported to the owner through channelInactive, once.
        context.close();
    }
}
