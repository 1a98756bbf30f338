package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reaches the upstream for any request a client may send through the real router: the request line and fields
 * as the client sent them (bytes above 127 included), less the hop-by-hop fields, those the {@code Connection} field
 * names (never the framing) and the client's claims of origin, plus {@code X-Forwarded-For} and
 * {@code X-Forwarded-Proto}; and the same body and trailers, chunked when the client chunked it. The upstream reads
 * what arrives with Netty's strict request decoder, so the router's own framing must be sound too.
 */
class UpstreamRequestProperties {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "upgrade", "proxy-authorization", "proxy-authenticate");
    private static final Set<String> CLIENT_ORIGIN = Set.of("x-forwarded-for", "x-forwarded-proto", "forwarded",
            "x-forwarded-host", "x-forwarded-port", "x-real-ip");
    private static final Set<String> NEVER_HOP_BY_HOP = Set.of("content-length", "transfer-encoding", "host");

    private static CapturingUpstream upstream;
    private static BuiltInRouter router;

    @BeforeContainer
    static void start() throws IOException {
        upstream = new CapturingUpstream();
        router = BuiltInRouter.start(RouterConfig.onLoopback());
        router.route(RouteTable.single(new Backend("1.0.0", 1, List.of(upstream.endpoint()))));
    }

    @AfterContainer
    static void stop() throws IOException {
        router.close();
        upstream.close();
    }

    record Field(String name, String value) {
        String line() {
            return name + ": " + value + "\r\n";
        }
    }

    /** {@code chunks}: the body's chunks when chunked, else its one part (a Content-Length), or none at all. */
    record ClientRequest(String method, String target, List<Field> fields, Framing framing, List<String> chunks,
                         List<Field> trailers) {

        String bytes() {
            StringBuilder out = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            out.append("Host: example.test\r\n");
            fields.forEach(field -> out.append(field.line()));
            String body = String.join("", chunks);
            switch (framing) {
                case NONE -> out.append("\r\n");
                case LENGTH -> out.append("Content-Length: ").append(body.length()).append("\r\n\r\n").append(body);
                case CHUNKED -> {
                    out.append("Transfer-Encoding: chunked\r\n\r\n");
                    for (String chunk : chunks) {
                        out.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
                    }
                    out.append("0\r\n");
                    trailers.forEach(field -> out.append(field.line()));
                    out.append("\r\n");
                }
            }
            return out.toString();
        }

        /** The fields the upstream should see, in order, names in lower case. */
        List<Field> expectedFields() {
            Set<String> named = new HashSet<>();
            for (Field field : fields) {
                if (field.name().equalsIgnoreCase("connection")) {
                    for (String token : field.value().split(",")) {
                        named.add(token.trim().toLowerCase(Locale.ROOT));
                    }
                }
            }
            named.removeAll(NEVER_HOP_BY_HOP);
            List<Field> expected = new ArrayList<>();
            expected.add(new Field("host", "example.test"));
            for (Field field : fields) {
                String name = field.name().toLowerCase(Locale.ROOT);
                if (!HOP_BY_HOP.contains(name) && !CLIENT_ORIGIN.contains(name) && !named.contains(name)) {
                    expected.add(new Field(name, field.value()));
                }
            }
            switch (framing) {
                case LENGTH -> expected.add(new Field("content-length", Integer.toString(String.join("", chunks).length())));
                case CHUNKED -> expected.add(new Field("transfer-encoding", "chunked"));
                case NONE -> { }
            }
            expected.add(new Field("x-forwarded-for", "127.0.0.1"));
            expected.add(new Field("x-forwarded-proto", "http"));
            return expected;
        }
    }

    enum Framing { NONE, LENGTH, CHUNKED }

    /** What the upstream decoded from the bytes it received. */
    record Received(String method, String uri, String version, List<Field> fields, String body, List<Field> trailers,
                    boolean chunked) {
    }

    @Property(tries = 300)
    void theUpstreamGetsTheClientsRequestLessItsHopByHopFields(@ForAll("requests") ClientRequest request)
            throws Exception {
        upstream.received.clear();
        try (RawClient client = new RawClient(router.address())) {
            String answer = client.send(request.bytes()).readResponse();
            assertThat(answer).startsWith("HTTP/1.1 200 ");
        }
        Received received = upstream.received.poll(30, TimeUnit.SECONDS);
        assertThat(received).as("the request reached the upstream").isNotNull();
        assertThat(received.method()).isEqualTo(request.method());
        assertThat(received.uri()).isEqualTo(request.target());
        assertThat(received.version()).isEqualTo("HTTP/1.1");
        assertThat(received.fields()).containsExactlyElementsOf(request.expectedFields());
        assertThat(received.body()).isEqualTo(String.join("", request.chunks()));
        assertThat(received.chunked()).isEqualTo(request.framing() == Framing.CHUNKED);
        assertThat(received.trailers()).containsExactlyElementsOf(request.framing() == Framing.CHUNKED
                ? request.trailers().stream().map(f -> new Field(f.name().toLowerCase(Locale.ROOT), f.value())).toList()
                : List.of());
    }

    @Provide
    Arbitrary<ClientRequest> requests() {
        Arbitrary<String> method = Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
        Arbitrary<String> target = Combinators.combine(
                Arbitraries.strings().withChars("abcXYZ019-._~%/").ofMaxLength(40),
                Arbitraries.strings().withChars("abc=&+/?").withCharRange('\u0080', '\u00ff').ofMaxLength(20)
                        .injectNull(0.5))
                .as((path, query) -> "/" + path + (query == null ? "" : "?" + query));
        Arbitrary<List<Field>> fields = field().list().ofMaxSize(10);
        Arbitrary<Framing> framing = Arbitraries.of(Framing.class);
        Arbitrary<List<String>> chunks = Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMinLength(1)
                .ofMaxLength(3000).list().ofMaxSize(4);
        Arbitrary<List<Field>> trailers = Combinators.combine(token(), value()).as(Field::new)
                .filter(f -> !NEVER_HOP_BY_HOP.contains(f.name().toLowerCase(Locale.ROOT))
                        && !f.name().equalsIgnoreCase("trailer")).list().ofMaxSize(3);
        return Combinators.combine(method, target, fields, framing, chunks, trailers)
                .as((m, t, f, fr, c, tr) -> new ClientRequest(m, t, f, fr,
                        fr == Framing.NONE ? List.of() : fr == Framing.LENGTH ? List.of(String.join("", c)) : c,
                        fr == Framing.CHUNKED ? tr : List.of()));
    }

    /** Ordinary fields, the hop-by-hop ones, {@code Connection} naming others, and claims of origin. */
    private Arbitrary<Field> field() {
        Arbitrary<Field> ordinary = Combinators.combine(token(), value()).as(Field::new);
        Arbitrary<Field> special = Combinators.combine(
                Arbitraries.of("Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade", "Proxy-Authorization",
                        "X-Forwarded-For", "x-forwarded-proto", "Forwarded", "X-Forwarded-Host", "X-Real-IP",
                        "X-Custom", "Accept"),
                value()).as(Field::new);
        Arbitrary<Field> connection = Arbitraries.of("keep-alive", "X-Custom", "Accept", "Content-Length",
                        "Transfer-Encoding", "Host", "TE", "x-custom")
                .list().ofMinSize(1).ofMaxSize(3).map(tokens -> new Field("Connection", String.join(", ", tokens)));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, ordinary), net.jqwik.api.Tuple.of(3, special),
                net.jqwik.api.Tuple.of(1, connection))
                .filter(f -> !NEVER_HOP_BY_HOP.contains(f.name().toLowerCase(Locale.ROOT))
                        && !f.name().equalsIgnoreCase("expect"));
    }

    private static Arbitrary<String> token() {
        return Arbitraries.strings().withChars("abcdefxyzABCXYZ0129-_!#$%&'*+.^`|~").ofMinLength(1).ofMaxLength(20);
    }

    /** Visible characters, inner spaces and tabs, and obs-text (bytes 128 to 255); no whitespace at either end. */
    private static Arbitrary<String> value() {
        Arbitrary<Character> visible = Arbitraries.chars().range('!', '~').range('\u0080', '\u00ff');
        return Combinators.combine(visible, Arbitraries.strings().withCharRange(' ', '~').withChars('\t')
                        .withCharRange('\u0080', '\u00ff').ofMaxLength(30), visible)
                .as((first, middle, last) -> first + middle + last);
    }

    /**
     * Reads each request with Netty's decoder at its default strictness and answers 200 with an empty body. What it
     * decoded goes to {@link #received}; a request it cannot decode is a test failure (nothing is recorded, the
     * connection closes).
     */
    private static final class CapturingUpstream implements AutoCloseable {
        final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        private final ServerSocket serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

        CapturingUpstream() throws IOException {
            ScriptedUpstream.serveEach(serverSocket, "capturing-upstream", this::serve);
        }

        Endpoint endpoint() {
            return new Endpoint("127.0.0.1", serverSocket.getLocalPort());
        }

        private void serve(Socket socket) {
            EmbeddedChannel decoder = new EmbeddedChannel(new HttpRequestDecoder());
            try (socket) {
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[8192];
                HttpRequest head = null;
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    decoder.writeInbound(Unpooled.copiedBuffer(buffer, 0, read));
                    Object message;
                    while ((message = decoder.readInbound()) != null) {
                        if (message instanceof HttpRequest request) {
                            if (request.decoderResult().isFailure()) {
                                return; // closes: the router sees a broken upstream and the client a 502
                            }
                            head = request;
                            body.reset();
                        }
                        if (message instanceof HttpContent content) {
                            if (content.decoderResult().isFailure()) {
                                content.release();
                                return;
                            }
                            ByteBuf data = content.content();
                            byte[] bytes = new byte[data.readableBytes()];
                            data.readBytes(bytes);
                            body.write(bytes);
                            if (content instanceof LastHttpContent last) {
                                received.add(new Received(head.method().name(), head.uri(),
                                        head.protocolVersion().text(), fields(head.headers().iteratorAsString()),
                                        body.toString(StandardCharsets.ISO_8859_1),
                                        fields(last.trailingHeaders().iteratorAsString()),
                                        io.netty.handler.codec.http.HttpUtil.isTransferEncodingChunked(head)));
                                socket.getOutputStream().write(
                                        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                            }
                            content.release();
                        }
                    }
                }
            } catch (IOException e) {
                // the router closed the connection
            } finally {
                decoder.finishAndReleaseAll();
            }
        }

        private static List<Field> fields(java.util.Iterator<Map.Entry<String, String>> entries) {
            List<Field> fields = new ArrayList<>();
            entries.forEachRemaining(e -> fields.add(new Field(e.getKey().toLowerCase(Locale.ROOT), e.getValue())));
            return fields;
        }

        @Override
        public void close() throws IOException {
            serverSocket.close();
        }
    }
}
