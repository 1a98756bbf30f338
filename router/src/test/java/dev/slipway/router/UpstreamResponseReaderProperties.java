package dev.slipway.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The byte-level response reader against Netty's decoder, the one it replaces: for any response an upstream may send
 * (interim responses before it, any framing, any header fields) cut into reads anywhere, the reader finds the same
 * status, the same body and trailers and the same end; the head it writes for the client decodes to the same fields
 * less the hop-by-hop ones. A head it cannot read safely never reaches the listener.
 */
class UpstreamResponseReaderProperties {

    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "upgrade", "x-slipway-revision");

    enum Framing { LENGTH, CHUNKED, UNTIL_CLOSE }

    record Field(String name, String value) {
    }

    record Response(boolean interim, boolean http10, int code, List<Field> fields, Framing framing, byte[] body,
                    List<Integer> chunkSizes, List<Field> trailers, boolean headRequest) {

        byte[] bytes() {
            StringBuilder head = new StringBuilder();
            if (interim) {
                head.append("HTTP/1.1 100 Continue\r\n\r\n");
            }
            head.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(code).append(" Some Reason\r\n");
            for (Field field : fields) {
                head.append(field.name()).append(": ").append(field.value()).append("\r\n");
            }
            if (framing == Framing.LENGTH) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            } else if (framing == Framing.CHUNKED) {
                head.append("Transfer-Encoding: chunked\r\n");
            }
            head.append("\r\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (!hasBody()) {
                return out.toByteArray();
            }
            if (framing == Framing.CHUNKED) {
                int offset = 0;
                for (int size : chunkSizes) {
                    int n = Math.min(size, body.length - offset);
                    if (n == 0) {
                        break;
                    }
                    out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, offset, n);
                    out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                    offset += n;
                }
                if (offset < body.length) {
                    out.writeBytes((Integer.toHexString(body.length - offset) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, offset, body.length - offset);
                    out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.writeBytes("0\r\n".getBytes(StandardCharsets.US_ASCII));
                for (Field trailer : trailers) {
                    out.writeBytes((trailer.name() + ": " + trailer.value() + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                out.writeBytes(body);
            }
            return out.toByteArray();
        }

        boolean hasBody() {
            return !headRequest && code != 204 && code != 304;
        }
    }

    /** What a reader or decoder made of a response. */
    record Seen(int code, List<Field> fields, byte[] body, List<Field> trailers, boolean ended) {
    }

    @Property(tries = 300)
    void readsEveryResponseAsNettyDecodesItWhereverTheReadsAreCut(@ForAll("responses") Response response,
                                                                 @ForAll("cuts") List<Integer> cuts) throws Exception {
        byte[] bytes = response.bytes();
        Seen netty = nettyDecodes(bytes, response.headRequest());
        Seen reader = readerReads(bytes, cuts, response.headRequest());

        assertThat(reader.code()).isEqualTo(netty.code());
        assertThat(reader.body()).isEqualTo(netty.body());
        assertThat(reader.trailers()).isEqualTo(netty.trailers());
        assertThat(reader.ended()).isEqualTo(netty.ended());
        List<Field> endToEnd = netty.fields().stream().filter(f -> !HOP_BY_HOP.contains(f.name())).toList();
        List<Field> expected = new ArrayList<>(endToEnd);
        expected.add(new Field("x-slipway-revision", "1.0.0"));
        // Netty drops "Transfer-Encoding: chunked" from a response that cannot have a body (HEAD, 204, 304); the
        // reader keeps it, as RFC 9110 9.3.2 has a HEAD response carry the fields a GET would.
        List<Field> forwarded = response.hasBody() ? reader.fields()
                : reader.fields().stream().filter(f -> !f.name().equals("transfer-encoding")).toList();
        assertThat(forwarded).isEqualTo(expected);
    }

    @Property(tries = 200)
    void aHeadItCannotReadSafelyNeverReachesTheListener(@ForAll("responses") Response response,
                                                        @ForAll("corruptions") String corruption) {
        String text = new String(response.bytes(), StandardCharsets.ISO_8859_1);
        int finalHead = text.indexOf(response.http10() ? "HTTP/1.0 " : "HTTP/1.1 " + response.code());
        int afterStatusLine = text.indexOf("\r\n", finalHead) + 2;
        String broken = corruption.startsWith("HTTP")
                ? text.substring(0, finalHead) + corruption + text.substring(afterStatusLine)
                : text.substring(0, afterStatusLine) + corruption + text.substring(afterStatusLine);
        List<String> events = new ArrayList<>();
        UpstreamResponseReader reader = new UpstreamResponseReader(ByteBufAllocator.DEFAULT);
        reader.expect(response.headRequest());
        ByteBuf in = Unpooled.copiedBuffer(broken, StandardCharsets.ISO_8859_1);
        try {
            assertThatThrownBy(() -> reader.read(in, recording(events)))
                    .isInstanceOf(UpstreamResponseReader.MalformedResponseException.class);
            assertThat(events).isEmpty();
        } finally {
            in.release();
            reader.release();
        }
    }

    private static UpstreamResponseReader.Listener recording(List<String> events) {
        return new UpstreamResponseReader.Listener() {
            @Override
            public void onHead(UpstreamResponseHead head) {
                events.add("head");
            }

            @Override
            public void onBody(ByteBuf data) {
                events.add("body");
                data.release();
            }

            @Override
            public void onEnd(ByteBuf trailers) {
                events.add("end");
                if (trailers != null) {
                    trailers.release();
                }
            }
        };
    }

    private static Seen nettyDecodes(byte[] bytes, boolean headRequest) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpClientCodec(4096, 16384, 16384));
        channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1,
                headRequest ? HttpMethod.HEAD : HttpMethod.GET, "/"));
        channel.releaseOutbound();
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.finish(); // the upstream closes: a body that runs to the close ends
        int code = 0;
        List<Field> fields = List.of();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<Field> trailers = List.of();
        boolean ended = false;
        Object message;
        while ((message = channel.readInbound()) != null) {
            if (message instanceof HttpResponse response) {
                assertThat(response.decoderResult().isSuccess()).as(response.decoderResult().toString()).isTrue();
                if (response.status().code() < 200) {
                    continue;
                }
                code = response.status().code();
                fields = fieldsOf(response.headers().iteratorAsString());
            }
            if (message instanceof HttpContent content && code != 0) {
                byte[] part = new byte[content.content().readableBytes()];
                content.content().getBytes(content.content().readerIndex(), part);
                body.writeBytes(part);
                if (content instanceof LastHttpContent last) {
                    trailers = fieldsOf(last.trailingHeaders().iteratorAsString());
                    ended = true;
                }
            }
            io.netty.util.ReferenceCountUtil.release(message);
        }
        return new Seen(code, fields, body.toByteArray(), trailers, ended);
    }

    private static Seen readerReads(byte[] bytes, List<Integer> cuts, boolean headRequest) throws Exception {
        UpstreamResponseReader reader = new UpstreamResponseReader(ByteBufAllocator.DEFAULT);
        reader.expect(headRequest);
        int[] code = {0};
        List<List<Field>> fields = new ArrayList<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<List<Field>> trailers = new ArrayList<>();
        UpstreamResponseReader.Listener listener = new UpstreamResponseReader.Listener() {
            @Override
            public void onHead(UpstreamResponseHead head) {
                code[0] = head.code();
                ByteBuf out = Unpooled.buffer();
                head.writeForClient(out, false, false, false, false, "1.0.0");
                fields.add(clientFields(out));
            }

            @Override
            public void onBody(ByteBuf data) {
                byte[] part = new byte[data.readableBytes()];
                data.readBytes(part);
                body.writeBytes(part);
                data.release();
            }

            @Override
            public void onEnd(ByteBuf fieldBytes) {
                List<Field> parsed = new ArrayList<>();
                if (fieldBytes != null) {
                    for (String line : fieldBytes.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                        int colon = line.indexOf(':');
                        parsed.add(new Field(line.substring(0, colon).toLowerCase(Locale.ROOT),
                                line.substring(colon + 1).trim()));
                    }
                    fieldBytes.release();
                }
                trailers.add(parsed);
            }
        };
        int offset = 0;
        for (int cut : cuts) {
            int end = Math.min(bytes.length, offset + cut);
            feed(reader, listener, bytes, offset, end);
            offset = end;
        }
        feed(reader, listener, bytes, offset, bytes.length);
        if (trailers.isEmpty()) {
            reader.inputClosed(listener);
        }
        reader.release();
        return new Seen(code[0], fields.isEmpty() ? List.of() : fields.get(0), body.toByteArray(),
                trailers.isEmpty() ? List.of() : trailers.get(0), !trailers.isEmpty());
    }

    private static void feed(UpstreamResponseReader reader, UpstreamResponseReader.Listener listener, byte[] bytes,
                             int from, int to) throws Exception {
        if (from >= to) {
            return;
        }
        // A direct buffer at an offset, as reads arrive, so that no index arithmetic can pass by accident.
        ByteBuf in = ByteBufAllocator.DEFAULT.directBuffer(to - from + 7);
        in.writeZero(7).readerIndex(7);
        in.writeBytes(bytes, from, to - from);
        try {
            reader.read(in, listener);
            assertThat(in.isReadable()).as("bytes left after a complete response").isFalse();
        } finally {
            in.release();
        }
    }

    /** The fields of the head the client gets, as Netty decodes them. */
    private static List<Field> clientFields(ByteBuf head) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpResponseDecoder());
        channel.writeInbound(head);
        HttpResponse response = channel.readInbound();
        assertThat(response.decoderResult().isSuccess()).isTrue();
        assertThat(response.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        List<Field> fields = fieldsOf(response.headers().iteratorAsString());
        channel.finishAndReleaseAll();
        return fields;
    }

    private static List<Field> fieldsOf(java.util.Iterator<Map.Entry<String, String>> entries) {
        List<Field> fields = new ArrayList<>();
        entries.forEachRemaining(e -> fields.add(new Field(e.getKey().toLowerCase(Locale.ROOT), e.getValue())));
        return fields;
    }

    /**
     * No interim response before the answer to a HEAD request: Netty's client codec lets the interim one use up the
     * HEAD and then waits for a body the final response does not have; the reader (rightly) does not.
     */
    @Provide
    Arbitrary<Response> responses() {
        Arbitrary<String> names = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~")
                        .ofMinLength(1).ofMaxLength(12).filter(n -> !isFraming(n)),
                Arbitraries.of("Keep-Alive", "Proxy-Authenticate", "TE", "Trailer", "Upgrade", "X-Slipway-Revision",
                        "Content-Type", "Set-Cookie"));
        Arbitrary<String> values = Arbitraries.strings().withCharRange(' ', '~').withChars('\t', (char) 0xe9)
                .ofMaxLength(20).map(String::strip);
        Arbitrary<Field> fields = Combinators.combine(names, values).as(Field::new);
        Arbitrary<Field> trailerFields = Combinators.combine(names.filter(n -> !n.equalsIgnoreCase("Content-Length")),
                values).as(Field::new);
        return Combinators.combine(
                Arbitraries.of(true, false),
                Arbitraries.of(true, false),
                Arbitraries.of(200, 201, 204, 206, 304, 404, 500, 599),
                fields.list().ofMaxSize(6),
                Arbitraries.of(Framing.values()),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.integers().between(1, 120).list().ofMaxSize(5),
                trailerFields.list().ofMaxSize(2)
        ).as((interim, http10, code, f, framing, body, chunks, trailers) -> new Response(interim,
                http10 && framing != Framing.CHUNKED, code, f, framing, body, chunks,
                trailers, false)).flatMap(r -> Arbitraries.of(true, false).map(head -> new Response(r.interim() && !head,
                r.http10(), r.code(), r.fields(), r.framing(), r.body(), r.chunkSizes(), r.trailers(), head)));
    }

    private static boolean isFraming(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals("content-length") || lower.equals("transfer-encoding") || lower.equals("connection");
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(1, 200).list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<String> corruptions() {
        return Arbitraries.of(
                " folded: onto the status line\r\n",
                "X-A: 1\r\n\tcontinued\r\n",
                "X-A: bare\rcarriage return\r\n",
                "Bad Name: x\r\n",
                ": no name\r\n",
                "X-No-Colon\r\n",
                "Content-Length: 1\r\nContent-Length: 2\r\n",
                "Content-Length: 12a\r\n",
                "Content-Length: -1\r\n",
                "X-Nul: a\0b\r\n",
                "HTTP/2 200 OK\r\n",
                "HTTP/1.1 20 OK\r\n",
                "HTTP/1.1 2000 OK\r\n",
                "http/1.1 200 OK\r\n");
    }
}
