package dev.slipway.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
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
     * The request to send upstream, written from the client's own request object and headers (no copy).
     * {@code known} are its {@link KnownHeaders}. Its framing passed {@link RequestFraming}: one
     * {@code Transfer-Encoding: chunked} or one decimal {@code Content-Length}, both kept as they are.
     * {@code X-Forwarded-For} and {@code X-Forwarded-Proto} are the peer's address and {@code scheme}, unless the
     * peer is a {@code trustedPeer} proxy: then its {@code X-Forwarded-For} fields get the peer appended, and its
     * {@code X-Forwarded-Proto} stays.
     */
    static UpstreamRequestHead upstreamRequest(HttpRequest client, int known, String clientAddress,
                                               boolean trustedPeer, String scheme) {
        HttpHeaders headers = client.headers();
        if ((known & KnownHeaders.CONNECTION) != 0) {
            removeNamedInConnection(headers); // rare: changes the headers, the rest only leaves fields out
        }
        // Expect: the router answers "100 Continue" itself, so upstream must not.
        int dropped = known & (KnownHeaders.HOP_BY_HOP | KnownHeaders.EXPECT | KnownHeaders.FORWARDED_FOR);
        String forwardedFor = clientAddress;
        String forwardedProto = scheme;
        if (trustedPeer) {
            if ((known & KnownHeaders.FORWARDED_FOR) != 0 && headers.contains(FORWARDED_FOR)) {
                forwardedFor = String.join(", ", headers.getAll(FORWARDED_FOR)) + ", " + clientAddress;
            }
            if ((known & KnownHeaders.FORWARDED_PROTO) != 0 && headers.contains(FORWARDED_PROTO)) {
                forwardedProto = null; // the proxy's own stays where it is
            }
        } else {
            dropped |= known & (KnownHeaders.FORWARDED_PROTO | KnownHeaders.CLIENT_ORIGIN);
        }
        return new UpstreamRequestHead(client, dropped, forwardedFor, forwardedProto,
                (known & KnownHeaders.TRANSFER_ENCODING) != 0);
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
