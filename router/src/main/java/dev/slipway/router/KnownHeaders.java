package dev.slipway.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Which of the headers the proxy acts on a header block holds, as bits, found in one pass over its (few) headers.
 * A typical request or response holds none of them, so the dozen lookups and removals the proxy would otherwise
 * make per message become one short loop; a header that is there is then looked up by name as usual.
 */
final class KnownHeaders {

    static final int CONNECTION = 1;
    static final int KEEP_ALIVE = 1 << 1;
    static final int PROXY_CONNECTION = 1 << 2;
    static final int PROXY_AUTHENTICATE = 1 << 3;
    static final int PROXY_AUTHORIZATION = 1 << 4;
    static final int TE = 1 << 5;
    static final int TRAILER = 1 << 6;
    static final int UPGRADE = 1 << 7;
    static final int TRANSFER_ENCODING = 1 << 8;
    static final int CONTENT_LENGTH = 1 << 9;
    static final int EXPECT = 1 << 10;
    static final int FORWARDED_FOR = 1 << 11;
    static final int FORWARDED_PROTO = 1 << 12;
    static final int FORWARDED = 1 << 13;
    static final int FORWARDED_HOST = 1 << 14;
    static final int FORWARDED_PORT = 1 << 15;
    static final int REAL_IP = 1 << 16;
    static final int STICKY = 1 << 17;
    static final int COOKIE = 1 << 18;
    /** The router's own response header: an upstream's is replaced. */
    static final int REVISION = 1 << 19;

    /** Hop-by-hop headers (RFC 9110 section 7.6.1) besides those a {@code Connection} header names. */
    static final int HOP_BY_HOP = CONNECTION | KEEP_ALIVE | PROXY_CONNECTION | PROXY_AUTHENTICATE
            | PROXY_AUTHORIZATION | TE | TRAILER | UPGRADE;
    /** What else a client could say about where it came from; only a trusted proxy may. */
    static final int CLIENT_ORIGIN = FORWARDED | FORWARDED_HOST | FORWARDED_PORT | REAL_IP;

    private static final AsciiString[] NAMES = {HttpHeaderNames.CONNECTION, AsciiString.cached("keep-alive"),
            AsciiString.cached("proxy-connection"), HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.EXPECT,
            ProxyHeaders.FORWARDED_FOR, ProxyHeaders.FORWARDED_PROTO, AsciiString.cached("forwarded"),
            AsciiString.cached("x-forwarded-host"), AsciiString.cached("x-forwarded-port"),
            AsciiString.cached("x-real-ip"), AsciiString.cached(BackendSelector.STICKY_HEADER), HttpHeaderNames.COOKIE,
            ProxyHeaders.REVISION_HEADER};
    private static final byte[][] LOWER_CASE_NAMES = java.util.Arrays.stream(NAMES)
            .map(name -> name.toLowerCase().toByteArray()).toArray(byte[][]::new);
    private static final int MAX_LENGTH = java.util.Arrays.stream(NAMES).mapToInt(AsciiString::length).max().orElse(0);
    /** Open addressing by the case-insensitive hash Netty's headers use: slot -> index into NAMES, or -1. */
    private static final int[] TABLE = new int[128];

    static {
        java.util.Arrays.fill(TABLE, -1);
        for (int i = 0; i < NAMES.length; i++) {
            int slot = AsciiString.hashCode(NAMES[i]) & (TABLE.length - 1);
            while (TABLE[slot] >= 0) {
                slot = (slot + 1) & (TABLE.length - 1);
            }
            TABLE[slot] = i;
        }
    }

    private KnownHeaders() {
    }

    /** The bits of the known headers in {@code headers}. */
    static int of(HttpHeaders headers) {
        if (headers.isEmpty()) {
            return 0;
        }
        int present = 0;
        Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence();
        while (entries.hasNext()) {
            present |= bitOf(entries.next().getKey());
        }
        return present;
    }

    static int bitOf(CharSequence name) {
        // Names the decoder made are AsciiStrings whose hash is cached by then; Netty's own lookups use it too.
        int slot = AsciiString.hashCode(name) & (TABLE.length - 1);
        for (int index; (index = TABLE[slot]) >= 0; slot = (slot + 1) & (TABLE.length - 1)) {
            if (NAMES[index].contentEqualsIgnoreCase(name)) {
                return 1 << index;
            }
        }
        return 0;
    }

    /** The bit of the header named by {@code in} from {@code start} to {@code end}, in any case, or 0. */
    static int bitOf(byte[] in, int start, int end) {
        int length = end - start;
        if (length > MAX_LENGTH) {
            return 0;
        }
        for (int index = 0; index < LOWER_CASE_NAMES.length; index++) {
            byte[] name = LOWER_CASE_NAMES[index];
            if (name.length == length && regionMatches(in, start, name)) {
                return 1 << index;
            }
        }
        return 0;
    }

    private static boolean regionMatches(byte[] in, int start, byte[] lowerCaseName) {
        for (int i = 0; i < lowerCaseName.length; i++) {
            if (UpstreamResponseHead.toLower(in[start + i]) != lowerCaseName[i]) {
                return false;
            }
        }
        return true;
    }

    /** The known headers, in bit order: for tests. */
    static List<AsciiString> names() {
        return List.of(NAMES);
    }
}
