package dev.slipway.router;

import dev.slipway.router.UpstreamResponseHead.Framing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

/**
 * Reads an upstream connection's responses straight from the bytes it sends, instead of decoding them into Netty's
 * {@code HttpObject}s only to encode them again: interim (1xx) responses are skipped, a final response's head is
 * parsed in place ({@link UpstreamResponseHead}), and its body is handed on as slices of the read buffers, after
 * the framing is taken off (a chunked body as its data, its trailer fields apart), so that the proxy knows exactly
 * where each response ends and the connection can go back to the pool.
 *
 * <p>Bytes of a head, chunk-size line or trailer section that a read cut in two wait in one buffer for the rest.
 */
final class UpstreamResponseReader {

    /** Netty's limits of the decoder this replaces: 4 KiB status line plus 16 KiB of header fields. */
    static final int MAX_HEAD_BYTES = 4096 + 16384;
    private static final int MAX_LINE_BYTES = 4096;
    private static final int FORBIDDEN_TRAILERS = KnownHeaders.CONTENT_LENGTH | KnownHeaders.TRANSFER_ENCODING
            | KnownHeaders.TRAILER;

    /** Where a read's bytes go; called on the connection's event loop. */
    interface Listener {
        /** A final response's head; valid only during the call. */
        void onHead(UpstreamResponseHead head);

        /** Part of the body (framing removed); the listener owns it. */
        void onBody(ByteBuf data);

        /**
         * The response is complete. {@code trailers}: the trailer fields of a chunked body, each ending in CRLF,
         * owned by the listener; null when there are none.
         */
        void onEnd(ByteBuf trailers);
    }

    /** The upstream broke HTTP/1.1; the connection can only be closed. */
    static final class MalformedResponseException extends Exception {
        MalformedResponseException(String message) {
            super(message, null, false, false);
        }
    }

    private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, BROKEN }

    private final UpstreamResponseHead head = new UpstreamResponseHead();
    private final ByteBufAllocator alloc;
    private State state = State.HEAD;
    private boolean headRequest;
    private long remaining;
    /** Bytes of an unfinished head or line, kept across reads; null when none. */
    private ByteBuf pending;
    private ByteBuf trailers;

    UpstreamResponseReader(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** The next response answers a request with this method ({@code HEAD}: no body, whatever the head says). */
    void expect(boolean headRequest) {
        this.headRequest = headRequest;
    }

    /** Whether a response is under way (its head or body partly read). */
    boolean inResponse() {
        return state != State.HEAD || pending != null;
    }

    /**
     * Consumes {@code in} (the caller keeps and releases it) up to the end of one final response, or all of it.
     * Bytes left in {@code in} afterwards follow a complete response.
     */
    void read(ByteBuf in, Listener listener) throws MalformedResponseException {
        if (state == State.BROKEN) {
            throw new MalformedResponseException("connection already failed");
        }
        try {
            if (pending != null && !completePending(in, listener)) {
                return;
            }
            if (pending == null && !consume(in, listener) && in.isReadable()) {
                keep(in);
            }
        } catch (MalformedResponseException e) {
            state = State.BROKEN;
            release();
            throw e;
        }
    }

    /**
     * Adds {@code in}'s bytes to the unfinished head or line, a line at a time, so that it never takes body bytes;
     * once it is whole, reads it. Returns whether the caller goes on with the rest of {@code in}.
     */
    private boolean completePending(ByteBuf in, Listener listener) throws MalformedResponseException {
        while (true) {
            int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
            int take = lf < 0 ? in.readableBytes() : lf + 1 - in.readerIndex();
            ensureWithinLimit(pending.readableBytes() + take);
            pending.writeBytes(in, take);
            if (lf < 0) {
                return false;
            }
            if (state != State.HEAD || headEnd(pending) >= 0) {
                break;
            }
        }
        ByteBuf whole = pending;
        pending = null;
        try {
            return !consume(whole, listener);
        } finally {
            whole.release();
        }
    }

    /** The upstream closed its side: a body that runs to the close ends here. Returns whether a response ended. */
    boolean inputClosed(Listener listener) {
        if (state == State.UNTIL_CLOSE) {
            end(listener);
            return true;
        }
        return false;
    }

    void release() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
        if (trailers != null) {
            trailers.release();
            trailers = null;
        }
    }

    private void keep(ByteBuf rest) throws MalformedResponseException {
        ensureWithinLimit(rest.readableBytes());
        pending = alloc.buffer(Math.max(256, rest.readableBytes() * 2));
        pending.writeBytes(rest);
    }

    private void ensureWithinLimit(int bytes) throws MalformedResponseException {
        int limit = state == State.HEAD ? MAX_HEAD_BYTES : MAX_LINE_BYTES;
        if (bytes > limit) {
            throw new MalformedResponseException("head or line longer than " + limit + " bytes");
        }
    }

    /** Reads from {@code in} until it is empty, a head or line is cut short, or a response ends (then true). */
    private boolean consume(ByteBuf in, Listener listener) throws MalformedResponseException {
        while (in.isReadable()) {
            switch (state) {
                case HEAD -> {
                    int end = headEnd(in);
                    if (end < 0) {
                        return false;
                    }
                    String problem = head.parse(in, in.readerIndex(), end, headRequest);
                    if (problem != null) {
                        throw new MalformedResponseException(problem);
                    }
                    if (head.code() < 200) {
                        in.readerIndex(end);
                        continue; // interim: the final response follows
                    }
                    listener.onHead(head);
                    in.readerIndex(end);
                    switch (head.framing()) {
                        case NONE -> {
                            return end(listener);
                        }
                        case LENGTH -> {
                            if (head.contentLength() == 0) {
                                return end(listener);
                            }
                            remaining = head.contentLength();
                            state = State.LENGTH;
                        }
                        case CHUNKED -> state = State.CHUNK_SIZE;
                        case UNTIL_CLOSE -> state = State.UNTIL_CLOSE;
                    }
                }
                case LENGTH, CHUNK_DATA -> {
                    int size = (int) Math.min(remaining, in.readableBytes());
                    remaining -= size;
                    listener.onBody(in.readRetainedSlice(size));
                    if (remaining == 0) {
                        if (state == State.LENGTH) {
                            return end(listener);
                        }
                        state = State.CHUNK_END;
                    }
                }
                case UNTIL_CLOSE -> listener.onBody(in.readRetainedSlice(in.readableBytes()));
                case CHUNK_SIZE -> {
                    int lf = lineFeed(in);
                    if (lf < 0) {
                        return false;
                    }
                    long size = chunkSize(in, in.readerIndex(), contentEnd(in, lf));
                    in.readerIndex(lf + 1);
                    if (size == 0) {
                        state = State.TRAILERS;
                    } else {
                        remaining = size;
                        state = State.CHUNK_DATA;
                    }
                }
                case CHUNK_END -> {
                    int lf = lineFeed(in);
                    if (lf < 0) {
                        return false;
                    }
                    if (contentEnd(in, lf) != in.readerIndex()) {
                        throw new MalformedResponseException("chunk data longer than its size");
                    }
                    in.readerIndex(lf + 1);
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    int lf = lineFeed(in);
                    if (lf < 0) {
                        return false;
                    }
                    int start = in.readerIndex();
                    int lineEnd = contentEnd(in, lf);
                    in.readerIndex(lf + 1);
                    if (lineEnd == start) {
                        return end(listener);
                    }
                    addTrailer(in, start, lineEnd);
                }
                default -> throw new MalformedResponseException("connection already failed");
            }
        }
        return false;
    }

    private boolean end(Listener listener) {
        state = State.HEAD;
        ByteBuf fields = trailers;
        trailers = null;
        listener.onEnd(fields);
        return true;
    }

    private void addTrailer(ByteBuf in, int start, int end) throws MalformedResponseException {
        byte first = in.getByte(start);
        int colon = in.indexOf(start, end, (byte) ':');
        if (first == ' ' || first == '\t' || colon <= start) {
            throw new MalformedResponseException("malformed trailer field");
        }
        for (int i = start; i < end; i++) {
            byte b = in.getByte(i);
            if (i < colon ? !UpstreamResponseHead.isTokenChar(b) : UpstreamResponseHead.isForbidden(b)) {
                throw new MalformedResponseException("malformed trailer field");
            }
        }
        int nameEnd = colon;
        while (nameEnd > start && UpstreamResponseHead.isWhitespace(in.getByte(nameEnd - 1))) {
            nameEnd--;
        }
        if ((KnownHeaders.bitOf(ByteBufUtil.getBytes(in, start, nameEnd - start), 0, nameEnd - start)
                & FORBIDDEN_TRAILERS) != 0) {
            return; // framing fields have no say after the body (RFC 9110 6.5.1); Netty's decoder drops them too
        }
        if (trailers == null) {
            trailers = alloc.buffer(end - start + 2);
        }
        if (trailers.readableBytes() + end - start > MAX_HEAD_BYTES) {
            throw new MalformedResponseException("trailer section longer than " + MAX_HEAD_BYTES + " bytes");
        }
        trailers.writeBytes(in, start, end - start);
        trailers.writeByte('\r').writeByte('\n');
    }

    /** The LF ending the line at the reader index, or -1 when the line is not all there yet. */
    private static int lineFeed(ByteBuf in) throws MalformedResponseException {
        int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (lf < 0 && in.readableBytes() > MAX_LINE_BYTES) {
            throw new MalformedResponseException("line longer than " + MAX_LINE_BYTES + " bytes");
        }
        return lf;
    }

    /** Where the line ending at {@code lf} ends without its CR. */
    private static int contentEnd(ByteBuf in, int lf) {
        return lf > in.readerIndex() && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    }

    /** A chunk-size line: hex digits, then optionally whitespace and chunk extensions (ignored). */
    private static long chunkSize(ByteBuf in, int start, int end) throws MalformedResponseException {
        long size = 0;
        int i = start;
        for (; i < end; i++) {
            int digit = Character.digit(in.getByte(i), 16);
            if (digit < 0) {
                break;
            }
            if (i - start == 15) {
                throw new MalformedResponseException("chunk size too large");
            }
            size = size * 16 + digit;
        }
        if (i == start) {
            throw new MalformedResponseException("chunk size is not a hexadecimal number");
        }
        for (int j = i; j < end; j++) {
            byte b = in.getByte(j);
            if (UpstreamResponseHead.isForbidden(b) || j == i && b != ';' && !UpstreamResponseHead.isWhitespace(b)) {
                throw new MalformedResponseException("malformed chunk-size line");
            }
        }
        return size;
    }

    /** The index just after the empty line that ends the head starting at {@code in}'s reader index, or -1. */
    private static int headEnd(ByteBuf in) throws MalformedResponseException {
        int start = in.readerIndex();
        int limit = Math.min(in.writerIndex(), start + MAX_HEAD_BYTES);
        int lineStart = start;
        while (true) {
            int lf = in.indexOf(lineStart, limit, (byte) '\n');
            if (lf < 0) {
                if (limit - start >= MAX_HEAD_BYTES) {
                    throw new MalformedResponseException("head longer than " + MAX_HEAD_BYTES + " bytes");
                }
                return -1;
            }
            int length = lf - lineStart;
            if (lineStart > start && (length == 0 || length == 1 && in.getByte(lineStart) == '\r')) {
                return lf + 1;
            }
            lineStart = lf + 1;
        }
    }
}
