package dev.slipway.router;

import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;

import java.util.List;

/**
 * Rewrites request headers between the two hops (responses: {@link UpstreamResponseHead#writeForClient}). Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one
 * connection and are dropped; a {@code Connection} header never removes the framing headers
 * ({@code Content-Length}, {@code Transfer-Encoding}) or {@code Host}, because the body the router forwards is
 * framed by what it decoded, and a client must not make the next hop read it differently (smuggling).
 */
final class ProxyHeaders {

    static final AsciiString REVISION_HEADER = AsciiString.cached("X-Slipway-Revision");
    static final AsciiString FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    static final AsciiString FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final List<AsciiString> NEVER_HOP_BY_HOP = List.of(HttpHeaderNames.CONTENT_LENGTH,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.HOST);

    private ProxyHeaders() {
    }

    /**
     * The request to send upstream: the client's own request object and headers, changed in place (no copy).
     * {@code known} are its {@link KnownHeaders}. Its framing passed {@link RequestFraming}: one
     * {@code Transfer-Encoding: chunked} or one decimal {@code Content-Length}, both kept as they are.
     * {@code X-Forwarded-For} and {@code X-Forwarded-Proto} are the peer's address and {@code scheme}, unless the
     * peer is a {@code trustedPeer} proxy: then its {@code X-Forwarded-For} gets the peer appended, and its
     * {@code X-Forwarded-Proto} stays.
     */
    static HttpRequest upstreamRequest(HttpRequest client, int known, String clientAddress, boolean trustedPeer,
                                       String scheme) {
        HttpHeaders headers = client.headers();
        if ((known & KnownHeaders.CONNECTION) != 0) {
            removeNamedInConnection(headers);
        }
        // Expect: the router answers "100 Continue" itself, so upstream must not.
        int remove = known & (KnownHeaders.HOP_BY_HOP | KnownHeaders.EXPECT);
        if (trustedPeer) {
            String forwardedFor = (known & KnownHeaders.FORWARDED_FOR) != 0 ? headers.get(FORWARDED_FOR) : null;
            headers.set(FORWARDED_FOR, forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
            if ((known & KnownHeaders.FORWARDED_PROTO) == 0 || !headers.contains(FORWARDED_PROTO)) {
                headers.set(FORWARDED_PROTO, scheme);
            }
        } else {
            headers.set(FORWARDED_FOR, clientAddress);
            headers.set(FORWARDED_PROTO, scheme);
            remove |= known & KnownHeaders.CLIENT_ORIGIN;
        }
        KnownHeaders.remove(headers, remove);
        client.setProtocolVersion(HttpVersion.HTTP_1_1);
        return client;
    }

    /** Whether the client may send the request again on another connection without side effects. */
    static boolean isIdempotent(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
                || method == HttpMethod.PUT || method == HttpMethod.DELETE || method == HttpMethod.TRACE;
    }

    /** Whether the request announces a body (requests without length or chunking have none). */
    static boolean hasBody(HttpRequest request, int known) {
        return (known & (KnownHeaders.TRANSFER_ENCODING | KnownHeaders.CONTENT_LENGTH)) != 0
                && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0);
    }

    /** Whether the sender of {@code message} keeps its connection open after it. */
    static boolean isKeepAlive(HttpMessage message, int known) {
        return (known & KnownHeaders.CONNECTION) == 0 ? message.protocolVersion().isKeepAliveDefault()
                : HttpUtil.isKeepAlive(message);
    }

    /**
     * {@code head} and its whole body as one message, sharing {@code head}'s headers and taking over {@code last}'s
     * content: Netty's encoder writes a message that small into a single buffer (head and body), where a head and a
     * separate last part cost two buffers, two encoder passes and a gathering write.
     */
    static FullHttpRequest withBody(HttpRequest head, LastHttpContent last) {
        return new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(), last.content(),
                head.headers(), last.trailingHeaders());
    }

    /**
     * Headers named in Connection are hop-by-hop too (RFC 9110 section 7.6.1), except those that frame the
     * message or name its target: "Connection: Content-Length" must not turn a body into a second request.
     */
    private static void removeNamedInConnection(HttpHeaders headers) {
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : connection.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !isNeverHopByHop(name)) {
                    headers.remove(name);
                }
            }
        }
    }

    private static boolean isNeverHopByHop(String name) {
        for (AsciiString kept : NEVER_HOP_BY_HOP) {
            if (kept.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
