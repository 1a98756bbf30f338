package dev.slipway.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

import java.util.List;

/**
 * Which requests have a body the router and the server behind it would both delimit the same way (RFC 9112
 * section 6). Anything else is refused with a 400 and the connection closed, because the bytes after an
 * ambiguous body may be a second, smuggled request. What passes is forwarded with framing the router writes
 * itself from what it decoded (see {@link ProxyHeaders#upstreamRequest}).
 */
final class RequestFraming {

    private RequestFraming() {
    }

    /** Why the request's framing is refused, or null when it is sound; {@code known}: its {@link KnownHeaders}. */
    static String problem(HttpRequest request, int known) {
        HttpHeaders headers = request.headers();
        if ((known & KnownHeaders.TRANSFER_ENCODING) != 0) {
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing, whatever else it says.
                return "Transfer-Encoding in an HTTP/1.0 request";
            }
            List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (codings.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(codings.get(0).trim())) {
                // RFC 9112 6.3: a request whose final coding is not chunked has no determinable length; other codings
                // (gzip, ...) the router would pass on undecoded for the server to frame its own way.
                return "Transfer-Encoding other than chunked";
            }
        }
        if ((known & KnownHeaders.CONTENT_LENGTH) != 0) {
            List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
            if (lengths.size() != 1 || !isDigits(lengths.get(0))) {
                return "Content-Length is not one decimal number";
            }
        }
        return null;
    }

    private static boolean isDigits(String value) {
        if (value.isEmpty() || value.length() > 18) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
