package dev.slipway.router;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client that writes exactly the bytes a test gives it: for requests no well-behaved HTTP client would send.
 * Reads block until the router answers or closes; the socket timeout only keeps a broken router from hanging
 * the test forever.
 */
final class RawClient implements AutoCloseable {

    private static final int GUARD_MILLIS = 30_000;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

    private final Socket socket;

    RawClient(InetSocketAddress address) {
        try {
            socket = new Socket();
            socket.connect(address, 5000);
            socket.setSoTimeout(GUARD_MILLIS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RawClient send(String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the router sends until it closes the connection. */
    String readUntilClosed() {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                received.write(buffer, 0, read);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the router neither answered nor closed within " + GUARD_MILLIS + " ms; got: "
                    + received.toString(StandardCharsets.ISO_8859_1), e);
        } catch (IOException e) {
            // a reset after the answer: what was read is the answer
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads one response whose body has a Content-Length, leaving the connection open. */
    String readResponse() {
        String head = readHead();
        Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int bodyLength = length.find() && !head.startsWith("HTTP/1.1 1") ? Integer.parseInt(length.group(1)) : 0;
        try {
            return head + new String(socket.getInputStream().readNBytes(bodyLength), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response with a chunked body, leaving the connection open; returns the head and the body size. */
    String readChunkedResponse() {
        String head = readHead();
        try {
            InputStream in = socket.getInputStream();
            long size = 0;
            while (true) {
                long chunk = Long.parseLong(readLine(in).split(";")[0].trim(), 16);
                if (chunk == 0) {
                    readLine(in); // the empty line after the last chunk (no trailers here)
                    return head + "(" + size + " bytes)";
                }
                in.readNBytes((int) chunk);
                readLine(in);
                size += chunk;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new AssertionError("closed in a chunked body after " + line);
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** Reads until what was read ends with {@code suffix}, leaving the connection open. */
    String readUntil(String suffix) {
        try {
            InputStream in = socket.getInputStream();
            StringBuilder read = new StringBuilder();
            while (read.length() < suffix.length() || read.lastIndexOf(suffix) != read.length() - suffix.length()) {
                int b = in.read();
                if (b < 0) {
                    throw new AssertionError("closed after " + read);
                }
                read.append((char) b);
            }
            return read.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a status line and headers only (e.g. the answer to a HEAD request), leaving the connection open. */
    String readHead() {
        return readUntil("\r\n\r\n");
    }

    /** The status codes of the responses in {@code received}, in order. */
    static List<Integer> statuses(String received) {
        List<Integer> statuses = new ArrayList<>();
        Matcher matcher = STATUS_LINE.matcher(received);
        while (matcher.find()) {
            statuses.add(Integer.parseInt(matcher.group(1)));
        }
        return statuses;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
