package dev.slipway.router;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.util.List;

/**
 * Rewrites headers between the two hops. Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one
 * connection and are dropped; a {@code Connection} header never removes the framing headers
 * ({@code Content-Length}, {@code Transfer-Encoding}) or {@code Host}, because the body the router forwards is
 * framed by what it decoded, and a client must not make the next hop read it differently (smuggling).
 */
final class ProxyHeaders {

    static final AsciiString REVISION_HEADER = AsciiString.cached("X-Slipway-Revision");
    static final AsciiString FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    static final AsciiString FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("Proxy-Connection");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("Keep-Alive");
    private static final List<AsciiString> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION,
            KEEP_ALIVE, PROXY_CONNECTION, HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
            HttpHeaderNames.UPGRADE);
    /** What else a client could say about where it came from; only a trusted proxy may. */
    private static final List<AsciiString> CLIENT_ORIGIN = List.of(AsciiString.cached("Forwarded"),
            AsciiString.cached("X-Forwarded-Host"), AsciiString.cached("X-Forwarded-Port"),
            AsciiString.cached("X-Real-IP"));
    private static final List<AsciiString> NEVER_HOP_BY_HOP = List.of(HttpHeaderNames.CONTENT_LENGTH,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.HOST);

    private ProxyHeaders() {
    }

    /**
     * The request to send upstream; reuses (and changes) the client's header object to avoid a copy. Its framing
     * passed {@link RequestFraming}: one {@code Transfer-Encoding: chunked} or one decimal {@code Content-Length}.
     * {@code X-Forwarded-For} and {@code X-Forwarded-Proto} are the peer's address and {@code scheme}, unless the
     * peer is a {@code trustedPeer} proxy: then its {@code X-Forwarded-For} gets the peer appended, and its
     * {@code X-Forwarded-Proto} stays.
     */
    static HttpRequest upstreamRequest(HttpRequest client, String clientAddress, boolean trustedPeer, String scheme) {
        HttpHeaders headers = client.headers();
        removeHopByHop(headers);
        // The router answers "100 Continue" itself (HttpServerExpectContinueHandler), so upstream must not.
        headers.remove(HttpHeaderNames.EXPECT);
        if (trustedPeer) {
            String forwardedFor = headers.get(FORWARDED_FOR);
            headers.set(FORWARDED_FOR, forwardedFor == null ? clientAddress : forwardedFor + ", " + clientAddress);
            if (!headers.contains(FORWARDED_PROTO)) {
                headers.set(FORWARDED_PROTO, scheme);
            }
        } else {
            headers.set(FORWARDED_FOR, clientAddress);
            headers.set(FORWARDED_PROTO, scheme);
            for (AsciiString name : CLIENT_ORIGIN) {
                headers.remove(name);
            }
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, client.method(), client.uri(), headers);
    }

    /** Whether the client may send the request again on another connection without side effects. */
    static boolean isIdempotent(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
                || method == HttpMethod.PUT || method == HttpMethod.DELETE || method == HttpMethod.TRACE;
    }

    /** Whether the request announces a body (requests without length or chunking have none). */
    static boolean hasBody(HttpRequest request) {
        return HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
    }

    /** The response to send the client, and whether the client connection must close after it. */
    record ClientResponse(HttpResponse response, boolean closeAfter) {
    }

    static ClientResponse clientResponse(HttpResponse upstream, HttpMethod method, HttpVersion clientVersion,
                                         boolean clientKeepAlive, String revision) {
        HttpHeaders headers = upstream.headers();
        removeHopByHop(headers);
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, upstream.status(), headers);
        boolean closeAfter = !clientKeepAlive;
        boolean http10Client = clientVersion.equals(HttpVersion.HTTP_1_0);
        int code = upstream.status().code();
        boolean bodyExpected = method != HttpMethod.HEAD && code >= 200 && code != 204 && code != 304;
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        if (bodyExpected && !chunked && !HttpUtil.isContentLengthSet(response)) {
            // The upstream delimits the body by closing; re-frame it so the client connection can stay open.
            if (http10Client) {
                closeAfter = true;
            } else {
                HttpUtil.setTransferEncodingChunked(response, true);
            }
        } else if (chunked && http10Client) {
            // HTTP/1.0 knows no chunking: send the raw body and mark its end by closing.
            headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            closeAfter = true;
        }
        headers.set(REVISION_HEADER, revision);
        if (closeAfter) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10Client) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return new ClientResponse(response, closeAfter);
    }

    private static void removeHopByHop(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            // Headers named in Connection are hop-by-hop too (RFC 9110 section 7.6.1), except those that frame the
            // message or name its target: "Connection: Content-Length" must not turn a body into a second request.
            for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : connection.split(",")) {
                    String name = token.trim();
                    if (!name.isEmpty() && !isNeverHopByHop(name)) {
                        headers.remove(name);
                    }
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
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
