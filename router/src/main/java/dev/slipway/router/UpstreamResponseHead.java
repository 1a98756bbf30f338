package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/**
 * The head of a final response an upstream sent, parsed in place from the bytes it arrived in (no strings, no header
 * objects): what the proxy needs to frame the body and decide keep-alive, and {@link #writeForClient}, which writes
 * the head the client gets. One instance per upstream connection is reused for every response, so it is valid only
 * during {@link UpstreamResponseReader.Listener#onHead}; that is why it is not a record.
 */
final class UpstreamResponseHead {

    /** How the upstream delimits the body (RFC 9112 section 6.3). */
    enum Framing { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    private static final byte[] HTTP_1_1 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REVISION = "X-Slipway-Revision: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "Transfer-Encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final short CRLF = ('\r' << 8) | '\n';

    /** The head's bytes, copied in one go: reading a plain array costs a fraction of per-byte buffer access. */
    private byte[] bytes = new byte[512];
    /** Where "code reason" starts and the status line ends (CR excluded). */
    private int statusStart;
    private int statusEnd;
    private int code;
    /** Per field: name start, name end, value start, value end (surrounding whitespace excluded). */
    private int[] fields = new int[4 * 16];
    private int fieldCount;
    /** {@link KnownHeaders} bits of the fields present. */
    private int known;
    /** Token ranges (start, end) of the Connection fields that name other headers. */
    private int[] connectionTokens = new int[4];
    private int connectionTokenCount;
    private Framing framing;
    private long contentLength;
    private boolean transferEncodingChunked;
    private boolean keepAlive;

    int code() {
        return code;
    }

    Framing framing() {
        return framing;
    }

    long contentLength() {
        return contentLength;
    }

    /** Whether the upstream keeps its connection open after this response. */
    boolean keepAlive() {
        return keepAlive;
    }

    /** Whether the head says {@code Transfer-Encoding: chunked} (also on a response to HEAD, which has no body). */
    boolean transferEncodingChunked() {
        return transferEncodingChunked;
    }

    // ---- parsing ------------------------------------------------------------------------------------

    /**
     * Parses the head in {@code source} between {@code from} and {@code to} (just after the empty line ending it).
     * {@code headRequest}: the request was HEAD, so the response has no body whatever it says. Returns null when the
     * head is sound, or what is wrong with it.
     */
    String parse(ByteBuf source, int from, int to, boolean headRequest) {
        int length = to - from;
        if (bytes.length < length) {
            bytes = new byte[Math.max(length, bytes.length * 2)];
        }
        source.getBytes(from, bytes, 0, length);
        byte[] in = bytes;
        int start = 0;
        int end = length;
        fieldCount = 0;
        known = 0;
        connectionTokenCount = 0;
        int lineEnd = lineEnd(in, start, end);
        String problem = parseStatusLine(in, start, lineEnd);
        if (problem != null) {
            return problem;
        }
        boolean http10 = in[start + 7] == '0';
        int next = indexOf(in, lineEnd, end, (byte) '\n') + 1;
        boolean closeToken = false;
        boolean keepAliveToken = false;
        int lengthFields = 0;
        while (true) {
            lineEnd = lineEnd(in, next, end);
            if (lineEnd == next) {
                break; // the empty line
            }
            problem = parseField(in, next, lineEnd);
            if (problem != null) {
                return problem;
            }
            int field = (fieldCount - 1) * 4;
            int bit = KnownHeaders.bitOf(in, fields[field], fields[field + 1]);
            known |= bit;
            if (bit == KnownHeaders.CONNECTION) {
                int tokens = readConnectionTokens(in, fields[field + 2], fields[field + 3]);
                closeToken |= (tokens & 1) != 0;
                keepAliveToken |= (tokens & 2) != 0;
            } else if (bit == KnownHeaders.CONTENT_LENGTH) {
                lengthFields++;
                contentLength = decimal(in, fields[field + 2], fields[field + 3]);
            } else if (bit == KnownHeaders.TRANSFER_ENCODING) {
                transferEncodingChunked = endsWithChunked(in, fields[field + 2], fields[field + 3]);
            }
            next = indexOf(in, lineEnd, end, (byte) '\n') + 1;
        }
        boolean hasTransferEncoding = (known & KnownHeaders.TRANSFER_ENCODING) != 0;
        if (!hasTransferEncoding) {
            transferEncodingChunked = false;
        }
        if (lengthFields > 1 || (lengthFields == 1 && contentLength < 0)) {
            return "Content-Length is not one decimal number";
        }
        if (headRequest || code == 204 || code == 304 || code < 200) {
            framing = Framing.NONE;
        } else if (hasTransferEncoding) {
            // RFC 9112 6.3: Transfer-Encoding overrides Content-Length; a final coding other than chunked runs to the close.
            framing = transferEncodingChunked ? Framing.CHUNKED : Framing.UNTIL_CLOSE;
        } else if (lengthFields == 1) {
            framing = Framing.LENGTH;
        } else {
            framing = Framing.UNTIL_CLOSE;
        }
        keepAlive = framing != Framing.UNTIL_CLOSE && !closeToken && (!http10 || keepAliveToken);
        return null;
    }

    /** The index of the LF ending the line at {@code from}, minus one if a CR precedes it. */
    private static int lineEnd(byte[] in, int from, int end) {
        int lf = indexOf(in, from, end, (byte) '\n');
        return lf > from && in[lf - 1] == '\r' ? lf - 1 : lf;
    }

    private String parseStatusLine(byte[] in, int start, int end) {
        // "HTTP/1.x SSS reason"; the reason may be empty, and even its space missing (RFC 9112 4 asks clients to accept).
        if (end - start < 12 || in[start] != 'H' || in[start + 1] != 'T' || in[start + 2] != 'T'
                || in[start + 3] != 'P' || in[start + 4] != '/' || in[start + 5] != '1'
                || in[start + 6] != '.' || (in[start + 7] != '0' && in[start + 7] != '1')
                || in[start + 8] != ' ') {
            return "not an HTTP/1.x status line";
        }
        int value = 0;
        for (int i = start + 9; i < start + 12; i++) {
            byte digit = in[i];
            if (digit < '0' || digit > '9') {
                return "status code is not three digits";
            }
            value = value * 10 + digit - '0';
        }
        if (value < 100 || (end > start + 12 && in[start + 12] != ' ')) {
            return "status code is not three digits";
        }
        for (int i = start + 12; i < end; i++) {
            if (isForbidden(in[i])) {
                return "control character in the status line";
            }
        }
        code = value;
        statusStart = start + 9;
        statusEnd = end;
        return null;
    }

    private String parseField(byte[] in, int start, int end) {
        byte first = in[start];
        if (first == ' ' || first == '\t') {
            // RFC 9112 5.2: a proxy must reject or unfold obs-fold; the upstream gets a 502 instead of a guess.
            return "obsolete line folding";
        }
        int colon = start;
        while (colon < end && isTokenChar(in[colon])) {
            colon++;
        }
        int nameEnd = colon;
        while (colon < end && isWhitespace(in[colon])) {
            colon++; // RFC 9112 5.1: whitespace before the colon; a response's recipient removes it
        }
        if (nameEnd == start || colon == end || in[colon] != ':') {
            return "malformed header field";
        }
        int valueStart = colon + 1;
        int valueEnd = end;
        for (int i = valueStart; i < end; i++) {
            if (isForbidden(in[i])) {
                return "control character in a header field";
            }
        }
        while (valueStart < valueEnd && isWhitespace(in[valueStart])) {
            valueStart++;
        }
        while (valueEnd > valueStart && isWhitespace(in[valueEnd - 1])) {
            valueEnd--;
        }
        int slot = fieldCount * 4;
        if (slot == fields.length) {
            fields = java.util.Arrays.copyOf(fields, fields.length * 2);
        }
        fields[slot] = start;
        fields[slot + 1] = nameEnd;
        fields[slot + 2] = valueStart;
        fields[slot + 3] = valueEnd;
        fieldCount++;
        return null;
    }

    /**
     * Reads a Connection field's comma-separated tokens: bit 1 for "close", bit 2 for "keep-alive"; every other token
     * names a header that is hop-by-hop too, kept in {@link #connectionTokens}.
     */
    private int readConnectionTokens(byte[] in, int start, int end) {
        int found = 0;
        int tokenStart = start;
        for (int i = start; i <= end; i++) {
            if (i < end && in[i] != ',') {
                continue;
            }
            int s = tokenStart;
            int e = i;
            tokenStart = i + 1;
            while (s < e && isWhitespace(in[s])) {
                s++;
            }
            while (e > s && isWhitespace(in[e - 1])) {
                e--;
            }
            if (s == e) {
                continue;
            }
            if (equalsIgnoreCase(in, s, e, "close")) {
                found |= 1;
            } else if (equalsIgnoreCase(in, s, e, "keep-alive")) {
                found |= 2;
            } else {
                if (connectionTokenCount * 2 == connectionTokens.length) {
                    connectionTokens = java.util.Arrays.copyOf(connectionTokens, connectionTokens.length * 2);
                }
                connectionTokens[connectionTokenCount * 2] = s;
                connectionTokens[connectionTokenCount * 2 + 1] = e;
                connectionTokenCount++;
            }
        }
        return found;
    }

    /** Whether the last coding of a Transfer-Encoding value is chunked. */
    private static boolean endsWithChunked(byte[] in, int start, int end) {
        int comma = end;
        while (comma > start && in[comma - 1] != ',') {
            comma--;
        }
        int s = comma;
        while (s < end && isWhitespace(in[s])) {
            s++;
        }
        return equalsIgnoreCase(in, s, end, "chunked");
    }

    /** The value as a decimal number of at most 18 digits, or -1. */
    private static long decimal(byte[] in, int start, int end) {
        if (start == end || end - start > 18) {
            return -1;
        }
        long value = 0;
        for (int i = start; i < end; i++) {
            byte digit = in[i];
            if (digit < '0' || digit > '9') {
                return -1;
            }
            value = value * 10 + digit - '0';
        }
        return value;
    }

    // ---- writing the client's head ------------------------------------------------------------------

    /**
     * Writes the head for the client: status line as HTTP/1.1, the upstream's fields in their order without the
     * hop-by-hop ones (RFC 9110 7.6.1: the known ones and those its Connection names, never the framing ones or Host)
     * and without an {@code X-Slipway-Revision} of its own, then the router's: the revision, {@code Transfer-Encoding:
     * chunked} when {@code chunkBody} (a body that ran to the close re-framed, so the client connection stays open),
     * and {@code Connection}. {@code dropTransferEncoding}: an HTTP/1.0 client gets the body without chunking.
     */
    void writeForClient(ByteBuf out, boolean dropTransferEncoding, boolean chunkBody, boolean closeAfter,
                        boolean http10Client, CharSequence revision) {
        out.writeBytes(HTTP_1_1);
        out.writeBytes(bytes, statusStart, statusEnd - statusStart);
        if (statusEnd == statusStart + 3) {
            out.writeByte(' ');
        }
        out.writeShort(CRLF);
        int dropped = KnownHeaders.HOP_BY_HOP | KnownHeaders.REVISION;
        if (dropTransferEncoding || chunkBody) {
            dropped |= KnownHeaders.TRANSFER_ENCODING;
        }
        if (transferEncodingChunked || framing == Framing.UNTIL_CLOSE && (known & KnownHeaders.TRANSFER_ENCODING) != 0) {
            dropped |= KnownHeaders.CONTENT_LENGTH; // the length a chunked (or otherwise coded) body does not have
        }
        for (int i = 0; i < fieldCount * 4; i += 4) {
            int nameStart = fields[i];
            int nameEnd = fields[i + 1];
            if ((known & dropped) != 0 && (KnownHeaders.bitOf(bytes, nameStart, nameEnd) & dropped) != 0
                    || connectionTokenCount > 0 && namedInConnection(nameStart, nameEnd)) {
                continue;
            }
            out.writeBytes(bytes, nameStart, nameEnd - nameStart);
            out.writeByte(':');
            out.writeByte(' ');
            out.writeBytes(bytes, fields[i + 2], fields[i + 3] - fields[i + 2]);
            out.writeShort(CRLF);
        }
        out.writeBytes(REVISION);
        ByteBufUtil.writeAscii(out, revision);
        out.writeShort(CRLF);
        if (chunkBody) {
            out.writeBytes(CHUNKED);
        }
        if (closeAfter) {
            out.writeBytes(CLOSE);
        } else if (http10Client) {
            out.writeBytes(KEEP_ALIVE);
        }
        out.writeShort(CRLF);
    }

    /** "Connection: Content-Length" must not drop the framing: those names, and Host, stay whatever it says. */
    private boolean namedInConnection(int nameStart, int nameEnd) {
        int bit = KnownHeaders.bitOf(bytes, nameStart, nameEnd);
        if (bit == KnownHeaders.CONTENT_LENGTH || bit == KnownHeaders.TRANSFER_ENCODING
                || equalsIgnoreCase(bytes, nameStart, nameEnd, "host")) {
            return false;
        }
        for (int t = 0; t < connectionTokenCount * 2; t += 2) {
            if (regionEqualsIgnoreCase(bytes, nameStart, nameEnd, connectionTokens[t], connectionTokens[t + 1])) {
                return true;
            }
        }
        return false;
    }

    // ---- bytes ----------------------------------------------------------------------------------------

    /** RFC 9110 5.6.2 tchar. */
    static boolean isTokenChar(byte b) {
        if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
            return true;
        }
        return switch (b) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }

    static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t';
    }

    /** Bytes no head may hold (a bare CR could end a line for one reader and not for another). */
    static boolean isForbidden(byte b) {
        return b == '\r' || b == '\n' || b == 0;
    }

    static boolean equalsIgnoreCase(byte[] in, int start, int end, String lowerCase) {
        if (end - start != lowerCase.length()) {
            return false;
        }
        for (int i = 0; i < lowerCase.length(); i++) {
            if (toLower(in[start + i]) != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean regionEqualsIgnoreCase(byte[] in, int start, int end, int otherStart, int otherEnd) {
        if (end - start != otherEnd - otherStart) {
            return false;
        }
        for (int i = 0; i < end - start; i++) {
            if (toLower(in[start + i]) != toLower(in[otherStart + i])) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] in, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (in[i] == value) {
                return i;
            }
        }
        return -1;
    }

    static int toLower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }
}
