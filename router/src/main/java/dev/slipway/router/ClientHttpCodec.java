package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The HTTP/1.1 codec of client connections: Netty's {@code HttpServerCodec} pairing (responses to HEAD carry no
 * body, found by remembering each request's method), with two changes a proxy needs:
 * <ul>
 *   <li>a request with both {@code Transfer-Encoding: chunked} and {@code Content-Length} is marked failed (the
 *       client gets a 400) instead of silently dropping the length: RFC 9112 section 6.3 calls it a likely
 *       smuggling attempt, and a proxy that guesses may frame it differently from the server behind it;</li>
 *   <li>an interim response ({@code 100 Continue}) does not use up the method of the request it precedes, so a
 *       pipelined HEAD after an {@code Expect: 100-continue} POST still gets no body.</li>
 * </ul>
 */
final class ClientHttpCodec extends CombinedChannelDuplexHandler<ClientHttpCodec.RequestDecoder,
        ClientHttpCodec.ResponseEncoder> {

    /** Why the decoder refused a request with both framings; the frontend answers it with a 400. */
    static final String BOTH_FRAMINGS = "both Transfer-Encoding and Content-Length";

    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);

    ClientHttpCodec(HttpDecoderConfig config) {
        init(new RequestDecoder(config), new ResponseEncoder());
    }

    final class RequestDecoder extends HttpRequestDecoder {

        RequestDecoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            int before = out.size();
            super.decode(ctx, buffer, out);
            for (int i = before; i < out.size(); i++) {
                if (out.get(i) instanceof HttpRequest request) {
                    methods.add(request.method());
                }
            }
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            super.handleTransferEncodingChunkedWithContentLength(message);
            message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(BOTH_FRAMINGS)));
        }
    }

    /**
     * A response the proxy forwards as bytes of its own (not through the encoder) answers the oldest request: its
     * method is forgotten here as the encoder would have.
     */
    void responseForwarded() {
        methods.poll();
    }

    /** A forwarded head was dropped before it reached the client (the request goes to another upstream). */
    void responseNotForwarded(HttpMethod method) {
        methods.addFirst(method);
    }

    final class ResponseEncoder extends HttpResponseEncoder {

        /** Buffers written by the proxy (forwarded response heads and bodies) go out as they are. */
        @Override
        public boolean acceptOutboundMessage(Object message) {
            return message instanceof HttpObject;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse response) {
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(response); // the final response is still to come
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(response);
        }
    }
}
