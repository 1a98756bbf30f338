package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * The request the router sends upstream for one client request, written as bytes (the upstream connection has no
 * HTTP encoder): the client's request line as HTTP/1.1, its headers less those {@link ProxyHeaders#upstreamRequest}
 * drops, then the {@code X-Forwarded-*} fields the router sets. Bodies are framed by {@link #writeChunkSize} and
 * {@link #lastChunk} when the request is chunked, and go as they are when it has a {@code Content-Length}.
 *
 * <p>Characters are written as the low byte of each (ISO-8859-1), the way the client's decoder read them, so a
 * request target or field value with bytes above 127 reaches the upstream as the client sent it.
 */
final class UpstreamRequestHead {

    private static final byte[] HTTP_1_1_CRLF = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COLON_SPACE = {':', ' '};
    private static final byte[] CRLF = {'\r', '\n'};
    private static final short CRLF_SHORT = ('\r' << 8) | '\n';
    private static final int LAST_CHUNK = ('0' << 16) | CRLF_SHORT;
    /** Per event loop: the head is assembled in an array (one bounds check per part) and copied out once. */
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[1024];
        }
    };

    private final HttpRequest request;
    /** {@link KnownHeaders} bits of the client's fields left out. */
    private final int dropped;
    /** Written after the client's fields, or null. */
    private final String forwardedFor;
    private final String forwardedProto;
    private final boolean chunked;

    UpstreamRequestHead(HttpRequest request, int dropped, String forwardedFor, String forwardedProto, boolean chunked) {
        this.request = request;
        this.dropped = dropped;
        this.forwardedFor = forwardedFor;
        this.forwardedProto = forwardedProto;
        this.chunked = chunked;
    }

    String uri() {
        return request.uri();
    }

    /** The body goes chunked ({@code Transfer-Encoding: chunked}, the only coding forwarded); else as it is. */
    boolean chunked() {
        return chunked;
    }

    /**
     * The head in a new buffer from {@code alloc}, followed by the readable bytes of {@code body} when it is not null
     * (which stays the caller's: a small body of a request that is not chunked goes out in the same write).
     */
    ByteBuf write(ByteBufAllocator alloc, ByteBuf body) {
        String uri = request.uri();
        byte[] out = SCRATCH.get();
        int size = request.method().name().length() + 1 + Math.max(1, uri.length()) + HTTP_1_1_CRLF.length + 2
                + (forwardedFor == null ? 0 : ProxyHeaders.FORWARDED_FOR.length() + forwardedFor.length() + 4)
                + (forwardedProto == null ? 0 : ProxyHeaders.FORWARDED_PROTO.length() + forwardedProto.length() + 4);
        HttpHeaders headers = request.headers();
        Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence();
        while (entries.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = entries.next();
            size += field.getKey().length() + field.getValue().length() + 4;
        }
        if (out.length < size) {
            out = new byte[Math.max(size, out.length * 2)];
            SCRATCH.set(out);
        }
        int at = put(out, 0, request.method().name());
        out[at++] = ' ';
        at = uri.isEmpty() ? put(out, at, "/") : put(out, at, uri);
        System.arraycopy(HTTP_1_1_CRLF, 0, out, at, HTTP_1_1_CRLF.length);
        at += HTTP_1_1_CRLF.length;
        entries = headers.iteratorCharSequence();
        while (entries.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = entries.next();
            CharSequence name = field.getKey();
            if (dropped != 0 && (KnownHeaders.bitOf(name) & dropped) != 0) {
                continue;
            }
            at = putField(out, at, name, field.getValue());
        }
        if (forwardedFor != null) {
            at = putField(out, at, ProxyHeaders.FORWARDED_FOR, forwardedFor);
        }
        if (forwardedProto != null) {
            at = putField(out, at, ProxyHeaders.FORWARDED_PROTO, forwardedProto);
        }
        out[at++] = '\r';
        out[at++] = '\n';
        int bodySize = body == null ? 0 : body.readableBytes();
        ByteBuf buffer = alloc.ioBuffer(at + bodySize);
        buffer.writeBytes(out, 0, at);
        if (bodySize > 0) {
            buffer.writeBytes(body, body.readerIndex(), bodySize);
        }
        return buffer;
    }

    /** Writes the size line of a chunk of {@code size} (more than 0) bytes. */
    static void writeChunkSize(ByteBuf out, int size) {
        String hex = Integer.toHexString(size);
        for (int i = 0; i < hex.length(); i++) {
            out.writeByte(hex.charAt(i));
        }
        out.writeShort(CRLF_SHORT);
    }

    /** The end of a chunked body: the zero-size chunk, the trailer fields (none when null), the empty line. */
    static ByteBuf lastChunk(ByteBufAllocator alloc, HttpHeaders trailers) {
        ByteBuf out = alloc.ioBuffer(5);
        out.writeMedium(LAST_CHUNK);
        if (trailers != null && !trailers.isEmpty()) {
            Iterator<Map.Entry<CharSequence, CharSequence>> entries = trailers.iteratorCharSequence();
            while (entries.hasNext()) {
                Map.Entry<CharSequence, CharSequence> field = entries.next();
                writeLatin1(out, field.getKey());
                out.writeBytes(COLON_SPACE);
                writeLatin1(out, field.getValue());
                out.writeBytes(CRLF);
            }
        }
        out.writeShort(CRLF_SHORT);
        return out;
    }

    private static int putField(byte[] out, int at, CharSequence name, CharSequence value) {
        at = put(out, at, name);
        out[at++] = ':';
        out[at++] = ' ';
        at = put(out, at, value);
        out[at++] = '\r';
        out[at++] = '\n';
        return at;
    }

    /** Copies the low byte of each character; {@code String.getBytes(int, int, byte[], int)} does it in bulk. */
    @SuppressWarnings("deprecation")
    private static int put(byte[] out, int at, CharSequence text) {
        int length = text.length();
        if (text instanceof String string) {
            string.getBytes(0, length, out, at);
        } else if (text instanceof AsciiString ascii) {
            ascii.copy(0, out, at, length);
        } else {
            for (int i = 0; i < length; i++) {
                out[at + i] = (byte) text.charAt(i);
            }
        }
        return at + length;
    }

    private static void writeLatin1(ByteBuf out, CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            out.writeByte(text.charAt(i));
        }
    }
}
