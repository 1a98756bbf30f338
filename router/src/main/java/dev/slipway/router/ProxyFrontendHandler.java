package dev.slipway.router;

import dev.slipway.router.BackendSelector.Choice;
import dev.slipway.router.BackendSelector.RoutableBackend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the proxy, one instance per client connection. Handles one exchange (request and
 * response) at a time; pipelined requests wait in a queue. Bodies flow chunk by chunk in both directions
 * and reading stops on one side whenever the other side cannot take more (autoRead follows writability).
 *
 * <p>Everything here, including the upstream connection's callbacks, runs on this connection's event loop,
 * so the state needs no synchronisation.
 */
final class ProxyFrontendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyFrontendHandler.class);

    /** Bodies of idempotent requests up to this size are kept so the request can be sent again. */
    static final int MAX_REPLAY_BYTES = 64 * 1024;
    /** Response body parts up to this size are copied into the buffer of the head or chunk framing around them. */
    private static final int COPY_BYTES = 2048;
    private static final int CLIENT_HEAD_CAPACITY = 512;
    private static final short CRLF = ('\r' << 8) | '\n';
    private static final ByteBuf CHUNK_END = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(new byte[] {'\r', '\n'}).asReadOnly());

    private final BuiltInRouter router;
    /** A connection to the preview listener: every request goes to the table's preview revision, and only there. */
    private final boolean preview;
    private final ClientTimeouts timeouts;
    private final long responseTimeoutNanos;
    private final long upstreamIdleNanos;
    /** {@code http} or {@code https}: what {@code X-Forwarded-Proto} says for clients that are not trusted proxies. */
    private final String scheme;
    /** The peer is one of the configured trusted proxies: its {@code X-Forwarded-*} headers are kept. */
    private boolean trustedPeer;
    /** This connection's event loop among the router's: where its latency samples are written. */
    private int eventLoop;
    private final ArrayDeque<Object> pipelined = new ArrayDeque<>(2);
    /** One task per connection checks response deadlines, instead of a timer scheduled and cancelled per request. */
    private final Runnable checkResponseDeadline = this::checkResponseDeadline;
    private ChannelHandlerContext ctx;
    /** The client connection's codec, told about each response forwarded around its encoder. */
    private ClientHttpCodec codec;
    private String clientAddress = "unknown";
    private Exchange exchange;
    private ScheduledFuture<?> deadlineCheck;
    /** When {@link #deadlineCheck} runs ({@link System#nanoTime()}). */
    private long deadlineCheckAt;
    /**
     * True between a client read and its {@code channelReadComplete}: upstream writes made meanwhile are flushed
     * once there, so a request head and its body end leave in one write instead of one per message.
     */
    private boolean readingClient;
    /** The client shut down its sending side (half-close): answer what it asked, then close. */
    private boolean clientInputShutdown;

    ProxyFrontendHandler(BuiltInRouter router, boolean preview, ClientTimeouts timeouts) {
        this.router = router;
        this.preview = preview;
        this.timeouts = timeouts;
        this.responseTimeoutNanos = router.config().timeouts().upstreamResponse().toNanos();
        this.upstreamIdleNanos = router.config().timeouts().upstreamIdle().toNanos();
        this.scheme = router.config().tls().isPresent() ? "https" : "http";
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        this.codec = context.pipeline().get(ClientHttpCodec.class);
        this.eventLoop = router.eventLoopIndex(context.channel().eventLoop());
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        SocketAddress remote = context.channel().remoteAddress();
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            clientAddress = inet.getAddress().getHostAddress();
            trustedPeer = router.trusts(inet.getAddress());
        }
        context.fireChannelActive();
    }

    // ---- client side -------------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        readingClient = true;
        if (!pipelined.isEmpty() || (exchange != null && exchange.requestComplete)) {
            pipelined.addLast(message); // the next request waits until this response is complete
            // Stop reading only now that a next request actually arrived: turning reads off and on around
            // every exchange costs two epoll_ctl calls per request for clients that never pipeline.
            context.channel().config().setAutoRead(false);
            return;
        }
        dispatch(message);
    }

    private void dispatch(Object message) {
        if (message instanceof HttpRequest request) {
            startExchange(request);
            if (message instanceof HttpContent content && exchange != null) {
                onClientContent(content);
            } else {
                ReferenceCountUtil.release(message);
            }
        } else if (message instanceof HttpContent content && exchange != null) {
            onClientContent(content);
        } else {
            ReferenceCountUtil.release(message);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        readingClient = false;
        Exchange current = exchange;
        if (current != null && current.upstream != null) {
            writeUpstreamHead(current);
            current.upstream.flush();
        }
    }

    /** Flushes now, or leaves it to {@link #channelReadComplete} while a client read is in progress. */
    private void flushUpstream(Exchange current) {
        if (!readingClient) {
            writeUpstreamHead(current);
            current.upstream.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        Exchange current = exchange;
        if (current != null && current.upstream != null) {
            // Read the upstream response only as fast as the client takes it.
            current.upstream.config().setAutoRead(context.channel().isWritable());
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        Exchange current = exchange;
        exchange = null;
        if (current != null) {
            abandon(current);
        }
        if (deadlineCheck != null) {
            deadlineCheck.cancel(false);
            deadlineCheck = null;
        }
        Object queued;
        while ((queued = pipelined.pollFirst()) != null) {
            ReferenceCountUtil.release(queued);
        }
        context.fireChannelInactive();
    }

    /**
     * Client connections allow half-closure, because reading goes on while a response is pending (see
     * {@link #updateClientReading}): a client that sends its requests and then shuts down its side must still
     * get every answer.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            clientInputShutdown = true;
            Exchange current = exchange;
            if (current == null || !current.requestComplete) {
                context.close(); // nothing left to answer, or a request cut short
            }
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        LOG.debug("client connection {} failed", context.channel(), cause);
        context.close();
    }

    private void startExchange(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            refuse(HttpResponseStatus.BAD_REQUEST, cause != null && ClientHttpCodec.BOTH_FRAMINGS.equals(cause.getMessage())
                    ? "ambiguous framing: " + ClientHttpCodec.BOTH_FRAMINGS : "malformed request");
            return;
        }
        int known = KnownHeaders.of(request.headers());
        String framingProblem = RequestFraming.problem(request, known);
        if (framingProblem != null) {
            refuse(HttpResponseStatus.BAD_REQUEST, "ambiguous framing: " + framingProblem);
            return;
        }
        if ((known & KnownHeaders.EXPECT) != 0 && !answerExpectation(request)) {
            return;
        }
        timeouts.requestStarted();
        Exchange current = new Exchange(request, known, System.nanoTime());
        exchange = current;
        BackendSelector selector = router.selector();
        current.selector = selector;
        RoutableBackend backend = preview ? selector.preview()
                : selector.select(request.headers(), (known & (KnownHeaders.STICKY | KnownHeaders.COOKIE)) != 0,
                        eventLoop);
        // After selection: header routes and sticky keys are read from the original headers.
        current.upstreamRequest = ProxyHeaders.upstreamRequest(request, known, clientAddress, trustedPeer, scheme);
        if (backend == null) {
            current.counters = router.counters().forRevision(CountersByRevision.NO_REVISION);
            current.counters.requestStarted(eventLoop);
            respondWithError(current, HttpResponseStatus.SERVICE_UNAVAILABLE, preview
                    ? "no preview revision: no release is waiting for promotion" : "no ready revision", false);
            return;
        }
        current.backend = backend;
        current.counters = backend.counters();
        current.counters.requestStarted(eventLoop);
        UpstreamEndpoint endpoint = backend.nextEndpoint(eventLoop);
        Choice choice = endpoint != null ? new Choice(backend, endpoint) : retryTarget(selector, backend, List.of());
        connectTo(current, choice, false);
        updateClientReading();
    }

    /**
     * {@code Expect: 100-continue}: tells an HTTP/1.1 client to send its body (the upstream never sees the header, so
     * a slow upstream does not stall the upload). Any other expectation is refused with 417 (RFC 9110 10.1.1).
     * Returns whether the request goes on.
     */
    private boolean answerExpectation(HttpRequest request) {
        String expectation = request.headers().get(HttpHeaderNames.EXPECT);
        if (expectation != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expectation.trim())) {
            refuse(HttpResponseStatus.EXPECTATION_FAILED, "unsupported expectation");
            return false;
        }
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            ctx.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER), ctx.voidPromise());
            ctx.flush();
        }
        return true;
    }

    /**
     * Answers and closes, for a request that is not forwarded (400: what follows a request the router cannot delimit
     * safely could be anything, even a second request the upstream would see differently). Nothing reached an
     * upstream, so nothing is counted.
     */
    private void refuse(HttpResponseStatus status, String why) {
        FullHttpResponse response = jsonResponse(status, why, CountersByRevision.NO_REVISION, true, HttpVersion.HTTP_1_1);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        ctx.channel().config().setAutoRead(false); // the rest of this connection is not read
    }

    /** The client paused longer than the body-idle timeout in the middle of its request body. */
    void onRequestBodyTimeout() {
        Exchange current = exchange;
        if (current != null && !current.responseStarted) {
            // Closes afterwards: the rest of the body would be taken for the next request.
            respondWithError(current, HttpResponseStatus.REQUEST_TIMEOUT, "request body timed out", false);
        } else {
            ctx.close();
        }
    }

    private void onClientContent(HttpContent content) {
        Exchange current = exchange;
        if (content.decoderResult().isFailure()) {
            content.release();
            ctx.close(); // a broken body framing cannot be resynchronised
            return;
        }
        if (content instanceof LastHttpContent) {
            current.requestComplete = true;
            timeouts.requestRead();
        }
        if (current.responseComplete) {
            // Answered already (error, or an upstream that replied early): the rest of the body goes nowhere.
            content.release();
            finishIfDone(current);
            updateClientReading();
            return;
        }
        if (current.replayable) {
            keepForReplay(current, content);
        }
        if (current.upstream != null) {
            writeUpstream(current, content);
        } else {
            current.unsent().addLast(content);
        }
        updateClientReading();
    }

    private void keepForReplay(Exchange current, HttpContent content) {
        int size = content.content().readableBytes();
        if (current.replayBytes + size > MAX_REPLAY_BYTES) {
            current.replayable = false;
            releaseAll(current.replay);
            return;
        }
        current.replayBytes += size;
        if (size == 0 && content instanceof LastHttpContent last && last.trailingHeaders().isEmpty()) {
            current.replayEndsEmpty = true; // the end of most requests (no body): nothing to keep
            return;
        }
        // A copy, so that a kept chunk does not pin the decoder's much larger read buffer.
        current.replay().add(content.copy());
    }

    /**
     * Reads from the client only while its bytes can go somewhere: an idle connection, a body flowing to a
     * writable upstream, or a body being discarded. Once the request is complete reading goes on, and stops
     * when a pipelined request arrives ({@link #channelRead}); it waits until the response is complete.
     */
    private void updateClientReading() {
        Exchange current = exchange;
        boolean read;
        if (current == null) {
            read = true;
        } else if (current.requestComplete) {
            return;
        } else if (current.responseComplete) {
            read = true;
        } else {
            read = current.upstream != null && current.upstream.isWritable();
        }
        setAutoRead(ctx.channel(), read);
    }

    /**
     * Changes a channel's reading only when it differs: {@code setAutoRead} is an atomic exchange (a full fence)
     * even when nothing changes, and the hot path asks several times per request.
     */
    static void setAutoRead(Channel channel, boolean read) {
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    // ---- choosing and connecting an upstream ---------------------------------------------------------

    private void connectTo(Exchange current, Choice choice, boolean newConnection) {
        while (choice != null) {
            choice.endpoint().attemptStarted(eventLoop);
            if (!choice.endpoint().isRemoved()) {
                break;
            }
            // Removed between selection and now: awaitDrained may already have seen zero, so go elsewhere.
            choice.endpoint().attemptEnded(eventLoop);
            current.tried().add(choice.endpoint());
            choice = retryTarget(router.selector(), choice.backend(), current.tried());
        }
        if (choice == null) {
            respondWithError(current, HttpResponseStatus.SERVICE_UNAVAILABLE, "no ready revision", false);
            return;
        }
        if (choice.backend() != current.backend) {
            // Retried on another revision: that one answers, so it counts the request.
            current.counters.requestAbandoned(eventLoop);
            current.backend = choice.backend();
            current.counters = choice.backend().counters();
            current.counters.requestStarted(eventLoop);
        }
        current.endpoint = choice.endpoint();
        current.attemptActive = true;
        current.attempts++;
        Channel idle = newConnection ? null : router.pool().pollIdle(current.endpoint, ctx.channel().eventLoop());
        if (idle != null) {
            attachUpstream(current, idle, true);
            return;
        }
        current.connecting = true;
        router.pool().connect(current.endpoint, ctx.channel().eventLoop())
                .addListener((ChannelFutureListener) future -> onConnectDone(current, future));
    }

    /** Where to go after {@code failed}; a preview request never falls back to a revision that is not previewed. */
    private Choice retryTarget(BackendSelector selector, RoutableBackend failed, List<UpstreamEndpoint> tried) {
        return selector.retryTarget(failed, tried, preview, eventLoop);
    }

    private void onConnectDone(Exchange current, ChannelFuture future) {
        current.connecting = false;
        if (exchange != current || current.responseComplete) {
            // The client left, or the exchange was answered meanwhile (timeout): the attempt already ended.
            if (future.isSuccess()) {
                future.channel().close();
            }
            return;
        }
        if (!future.isSuccess()) {
            LOG.debug("connect to {} failed {} ms into {} {}: {}", current.endpoint,
                    (System.nanoTime() - current.startNanos) / 1_000_000, current.method, current.upstreamRequest.uri(),
                    future.cause().toString());
            endAttempt(current);
            current.tried().add(current.endpoint);
            retryOrFail(current, false, false);
            return;
        }
        attachUpstream(current, future.channel(), false);
    }

    private void attachUpstream(Exchange current, Channel upstream, boolean reused) {
        ProxyBackendHandler handler = upstream.pipeline().get(ProxyBackendHandler.class);
        handler.attach(this, current.method == HttpMethod.HEAD);
        current.upstream = upstream;
        current.upstreamHandler = handler;
        current.reusedConnection = reused;
        setAutoRead(upstream, ctx.channel().isWritable());
        // The head waits for the first body part (see writeUpstream) or the end of the client read, whichever is first.
        current.upstreamHeadPending = true;
        HttpContent chunk;
        while (current.upstream == upstream && current.unsent != null && (chunk = current.unsent.pollFirst()) != null) {
            writeUpstream(current, chunk);
        }
        if (current.upstream == upstream) {
            flushUpstream(current);
        }
        updateClientReading();
    }

    /**
     * Writes a request part upstream, framed as the request says (chunks, or the bytes as they are). The first part
     * after the head goes out with it: a request whose body (often none) ends in the same read as its head leaves
     * in one buffer, one write.
     */
    private void writeUpstream(Exchange current, HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        Channel upstream = current.upstream;
        UpstreamRequestHead request = current.upstreamRequest;
        ByteBuf body = content.content();
        int size = body.readableBytes();
        if (current.upstreamHeadPending) {
            current.upstreamHeadPending = false;
            if (last && !request.chunked() && size <= COPY_BYTES) {
                upstream.write(request.write(upstream.alloc(), body), upstream.voidPromise());
                size = 0; // copied
            } else {
                upstream.write(request.write(upstream.alloc(), null), upstream.voidPromise());
            }
        }
        // Write failures surface as exceptionCaught, then channelInactive, on the upstream connection.
        if (size == 0) {
            content.release();
        } else if (request.chunked()) {
            ByteBuf prefix = upstream.alloc().ioBuffer(10);
            UpstreamRequestHead.writeChunkSize(prefix, size);
            upstream.write(prefix, upstream.voidPromise());
            upstream.write(body, upstream.voidPromise()); // takes over the content's reference
            upstream.write(CHUNK_END.duplicate(), upstream.voidPromise());
        } else {
            upstream.write(body, upstream.voidPromise());
        }
        if (last) {
            if (request.chunked()) {
                upstream.write(UpstreamRequestHead.lastChunk(upstream.alloc(), ((LastHttpContent) content).trailingHeaders()),
                        upstream.voidPromise());
            }
            current.requestFullyWritten = true;
            flushUpstream(current);
            startResponseDeadline(current);
        }
    }

    /** Writes the request head if it still waits for a body part; the caller flushes. */
    private static void writeUpstreamHead(Exchange current) {
        if (current.upstreamHeadPending) {
            current.upstreamHeadPending = false;
            Channel upstream = current.upstream;
            upstream.write(current.upstreamRequest.write(upstream.alloc(), null), upstream.voidPromise());
        }
    }

    private void startResponseDeadline(Exchange current) {
        if (current.responseStarted) {
            return;
        }
        current.responseDeadline = System.nanoTime() + responseTimeoutNanos;
        checkDeadlinesBy(current.responseDeadline);
    }

    /**
     * Makes sure the connection's one deadline check runs by {@code deadline}: usually one is pending already for an
     * earlier moment (it re-arms itself for what is left), so a request costs no timer work.
     */
    private void checkDeadlinesBy(long deadline) {
        if (deadlineCheck != null) {
            if (deadlineCheckAt - deadline <= 0) {
                return;
            }
            deadlineCheck.cancel(false);
        }
        deadlineCheckAt = deadline;
        deadlineCheck = ctx.executor().schedule(checkResponseDeadline, deadline - System.nanoTime(),
                TimeUnit.NANOSECONDS);
    }

    /**
     * Answers 504 if the upstream has not started answering by the exchange's deadline, and cuts a response off
     * when the upstream went silent in its middle for longer than the upstream-idle timeout. The check that runs
     * may be one scheduled for an earlier exchange: then it schedules itself again for what is left.
     */
    private void checkResponseDeadline() {
        deadlineCheck = null;
        Exchange current = exchange;
        if (current == null || !ctx.channel().isActive()) {
            return;
        }
        if (current.responseStarted) {
            checkUpstreamIdle(current);
            return;
        }
        if (current.responseDeadline == 0) {
            return;
        }
        long left = current.responseDeadline - System.nanoTime();
        if (left > 0) {
            checkDeadlinesBy(current.responseDeadline);
        } else if (!current.responseStarted && current.upstream != null) {
            respondWithError(current, HttpResponseStatus.GATEWAY_TIMEOUT, "upstream timed out", true);
        }
    }

    private void checkUpstreamIdle(Exchange current) {
        Channel upstream = current.upstream;
        if (current.responseComplete || upstream == null) {
            return;
        }
        long now = System.nanoTime();
        if (!upstream.config().isAutoRead()) {
            current.lastUpstreamRead = now; // paused by the router for a slow client: the upstream is not idle
        }
        long idleUntil = current.lastUpstreamRead + upstreamIdleNanos;
        if (idleUntil - now > 0) {
            checkDeadlinesBy(idleUntil);
        } else {
            LOG.debug("upstream {} silent for longer than the upstream-idle timeout mid-response", current.endpoint);
            upstream.close(); // onUpstreamClosed cuts the client off, as for any upstream that breaks mid-response
        }
    }

    /**
     * An attempt failed before any response byte reached the client. Tries again if the request can be sent
     * again: always when nothing was sent, otherwise only idempotent requests whose body was kept.
     */
    private void retryOrFail(Exchange current, boolean requestWasSent, boolean sameEndpoint) {
        boolean mayRetry = current.attempts <= router.config().maxRetries()
                && (!requestWasSent || current.replayable);
        if (mayRetry) {
            Choice next = sameEndpoint && !current.endpoint.isRemoved()
                    ? new Choice(current.backend, current.endpoint)
                    : retryTarget(current.selector, current.backend, current.tried());
            if (next != null) {
                if (requestWasSent) {
                    releaseAll(current.unsent);
                    for (HttpContent kept : current.replay()) {
                        current.unsent().addLast(kept.retainedDuplicate());
                    }
                    if (current.replayEndsEmpty) {
                        current.unsent().addLast(LastHttpContent.EMPTY_LAST_CONTENT);
                    }
                    current.requestFullyWritten = false;
                }
                connectTo(current, next, sameEndpoint);
                return;
            }
        }
        LOG.debug("502 for {} {} after {} attempts, {} ms, tried {}", current.method, current.upstreamRequest.uri(),
                current.attempts, (System.nanoTime() - current.startNanos) / 1_000_000, current.tried);
        respondWithError(current, HttpResponseStatus.BAD_GATEWAY, "upstream unavailable", true);
    }

    private void endAttempt(Exchange current) {
        if (current.attemptActive) {
            current.attemptActive = false;
            current.endpoint.attemptEnded(eventLoop);
        }
    }

    // ---- upstream side ------------------------------------------------------------------------------

    /** A final response head from the upstream of {@code handler}. */
    void onUpstreamHead(ProxyBackendHandler handler, UpstreamResponseHead head) {
        Exchange current = exchange;
        if (current == null || current.upstreamHandler != handler) {
            return;
        }
        cancelResponseTimeout(current);
        current.responseStarted = true;
        current.status = head.code();
        current.upstreamKeepAlive = head.keepAlive();
        boolean http10Client = current.clientVersion.equals(HttpVersion.HTTP_1_0);
        UpstreamResponseHead.Framing framing = head.framing();
        boolean closeAfter = !current.clientKeepAlive;
        boolean chunkBody = false;
        boolean dropTransferEncoding = false;
        if (framing == UpstreamResponseHead.Framing.UNTIL_CLOSE) {
            // The upstream delimits the body by closing; re-frame it so the client connection can stay open.
            if (http10Client) {
                closeAfter = true;
                dropTransferEncoding = true;
            } else {
                chunkBody = true;
            }
        } else if (head.transferEncodingChunked() && http10Client) {
            // HTTP/1.0 knows no chunking: send the raw body and mark its end by closing.
            dropTransferEncoding = true;
            closeAfter = true;
        }
        current.closeClientAfter = closeAfter;
        // An HTTP/1.1 client gets a chunked body chunked again (the reader took the upstream's framing off).
        current.chunkClientBody = chunkBody || framing == UpstreamResponseHead.Framing.CHUNKED && !http10Client;
        current.forwardTrailers = framing == UpstreamResponseHead.Framing.CHUNKED && !http10Client;
        ByteBuf out = ctx.alloc().buffer(CLIENT_HEAD_CAPACITY);
        head.writeForClient(out, dropTransferEncoding, chunkBody, closeAfter, http10Client, current.backend.revision());
        codec.responseForwarded();
        // Held until the first body part: a response whose body ends in the same upstream read as its head (most do)
        // then leaves as one buffer, written with one call. A body of known length is waited for even across reads:
        // servers that write head and body separately (the JDK's HttpServer) can die between the two, and a head
        // not yet sent lets an idempotent request be sent again (onUpstreamClosed) instead of cutting the client off.
        current.clientHead = out;
        current.holdHeadForBody = framing == UpstreamResponseHead.Framing.LENGTH && head.contentLength() > 0;
    }

    /** Writes the client response head if it still waits for a body part; the caller flushes. */
    private void writeClientHead(Exchange current) {
        ByteBuf head = current.clientHead;
        if (head != null) {
            current.clientHead = null;
            ctx.write(head, ctx.voidPromise());
        }
    }

    /** Part of the response body, framing already taken off. */
    void onUpstreamBody(ProxyBackendHandler handler, ByteBuf data) {
        Exchange current = exchange;
        if (current == null || current.upstreamHandler != handler || !current.responseStarted) {
            data.release();
            return;
        }
        int size = data.readableBytes();
        boolean chunk = current.chunkClientBody;
        if (size <= COPY_BYTES) {
            // Small: copied behind the head (or into one buffer with its chunk framing) and written once.
            ByteBuf out = current.clientHead != null ? current.clientHead : ctx.alloc().buffer(size + 16);
            current.clientHead = null;
            if (chunk) {
                UpstreamRequestHead.writeChunkSize(out, size);
            }
            out.writeBytes(data);
            data.release();
            if (chunk) {
                out.writeShort(CRLF);
            }
            ctx.write(out, ctx.voidPromise());
        } else {
            writeClientHead(current);
            if (chunk) {
                ByteBuf prefix = ctx.alloc().buffer(18);
                UpstreamRequestHead.writeChunkSize(prefix, size);
                ctx.write(prefix, ctx.voidPromise());
            }
            ctx.write(data, ctx.voidPromise());
            if (chunk) {
                ctx.write(CHUNK_END.duplicate(), ctx.voidPromise());
            }
        }
        if (!ctx.channel().isWritable()) {
            current.upstream.config().setAutoRead(false);
        }
    }

    /** The response is complete; {@code trailers}: the trailer fields of a chunked body, or null. */
    void onUpstreamEnd(ProxyBackendHandler handler, ByteBuf trailers) {
        Exchange current = exchange;
        if (current == null || current.upstreamHandler != handler || !current.responseStarted) {
            if (trailers != null) {
                trailers.release();
            }
            return;
        }
        current.responseComplete = true;
        ByteBuf tail = current.clientHead;
        current.clientHead = null;
        if (current.chunkClientBody) {
            if (tail == null) {
                tail = ctx.alloc().buffer(5 + (trailers == null ? 0 : trailers.readableBytes()));
            }
            tail.writeByte('0').writeShort(CRLF);
            if (trailers != null && current.forwardTrailers) {
                tail.writeBytes(trailers);
            }
            tail.writeShort(CRLF);
        }
        if (trailers != null) {
            trailers.release();
        }
        Channel upstream = current.upstream;
        detachUpstream(current);
        endAttempt(current);
        if (current.upstreamKeepAlive && current.requestFullyWritten) {
            router.pool().release(current.endpoint, upstream);
        } else {
            upstream.close();
        }
        // Counted before the last byte leaves: whoever has seen the response also sees it counted (a test, or an
        // analysis reading the counters right after its own request). A client that goes away meanwhile shows
        // up as a closed connection anyway.
        recordOutcome(current);
        if (current.closeClientAfter) {
            ctx.writeAndFlush(tail == null ? Unpooled.EMPTY_BUFFER : tail).addListener(ChannelFutureListener.CLOSE);
        } else if (tail != null) {
            ctx.writeAndFlush(tail, ctx.voidPromise());
        } else {
            // Most responses: the body (and the head with it) is written already. An empty buffer written here would
            // make the response two entries of the outbound buffer, sent with writev instead of one send.
            ctx.flush();
        }
        finishIfDone(current);
        updateClientReading();
    }

    void onUpstreamReadComplete() {
        Exchange current = exchange;
        if (current != null && !current.holdHeadForBody) {
            writeClientHead(current); // the body goes on in a later read: the client gets the head now
        }
        ctx.flush();
        if (current != null && current.responseStarted && !current.responseComplete) {
            // A response longer than one read: watch the upstream for silence. Short responses never get here.
            current.lastUpstreamRead = System.nanoTime();
            checkDeadlinesBy(current.lastUpstreamRead + upstreamIdleNanos);
        }
    }

    void onUpstreamWritabilityChanged() {
        updateClientReading();
    }

    void onUpstreamClosed(ProxyBackendHandler handler) {
        Exchange current = exchange;
        if (current == null || current.upstreamHandler != handler) {
            return;
        }
        detachUpstream(current);
        cancelResponseTimeout(current);
        endAttempt(current);
        if (!current.responseStarted) {
            LOG.debug("upstream {} closed before answering {} ms into {} {} (reused connection: {})", current.endpoint,
                    (System.nanoTime() - current.startNanos) / 1_000_000, current.method, current.upstreamRequest.uri(),
                    current.reusedConnection);
            // A reused connection that breaks was most likely closed by the upstream while idle: the endpoint
            // itself may be fine, so try it again on a fresh connection.
            boolean sameEndpoint = current.reusedConnection;
            if (!sameEndpoint) {
                current.tried().add(current.endpoint);
            }
            retryOrFail(current, true, sameEndpoint);
            return;
        }
        if (current.clientHead != null && current.replayable) {
            // Closed after its head and before any body byte: the head is still held here, so the client has seen
            // nothing of this answer and a request that may be sent twice goes to another endpoint.
            LOG.debug("upstream {} closed after the head of its answer to {} {}, before its body", current.endpoint,
                    current.method, current.upstreamRequest.uri());
            current.clientHead.release();
            current.clientHead = null;
            current.holdHeadForBody = false;
            current.responseStarted = false;
            codec.responseNotForwarded(current.method); // the next head, or the router's own 502, answers it
            current.tried().add(current.endpoint);
            retryOrFail(current, true, false);
            return;
        }
        // Cut off mid-response: the status line is gone, so the client can only learn it from the close.
        current.upstreamError = true;
        current.responseComplete = true;
        recordOutcome(current);
        writeClientHead(current);
        ctx.flush();
        ctx.close();
    }

    private void detachUpstream(Exchange current) {
        if (current.upstreamHandler != null) {
            current.upstreamHandler.detach();
        }
        current.upstream = null;
        current.upstreamHandler = null;
        current.upstreamHeadPending = false;
    }

    // ---- ending an exchange -------------------------------------------------------------------------

    private void respondWithError(Exchange current, HttpResponseStatus status, String message, boolean upstreamError) {
        cancelResponseTimeout(current);
        if (current.upstream != null) {
            Channel upstream = current.upstream;
            detachUpstream(current);
            upstream.close();
        }
        endAttempt(current);
        current.replayable = false;
        releaseBuffers(current);
        current.responseStarted = true;
        current.responseComplete = true;
        current.status = status.code();
        current.upstreamError = upstreamError;
        // An unread body would be taken for the next request; closing is cheaper than reading it all.
        boolean closeAfter = !current.clientKeepAlive || (!current.requestComplete && current.requestHasBody);
        current.closeClientAfter = closeAfter;
        FullHttpResponse response = jsonResponse(status, message, current.counters.revision(), closeAfter,
                current.clientVersion);
        recordOutcome(current); // before the write, as in completeResponse
        ChannelFuture written = ctx.writeAndFlush(response);
        if (closeAfter) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        finishIfDone(current);
        updateClientReading();
    }

    private static FullHttpResponse jsonResponse(HttpResponseStatus status, String message, String revision,
                                                 boolean close, HttpVersion clientVersion) {
        byte[] body = StrictJson.write(new AdminServer.ErrorJson(message)).getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(ProxyHeaders.REVISION_HEADER, revision);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientVersion.equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return response;
    }

    private void recordOutcome(Exchange current) {
        if (!current.outcomeRecorded) {
            current.outcomeRecorded = true;
            current.finishedNanos = System.nanoTime();
            current.counters.requestFinished(eventLoop, current.finishedNanos, current.status,
                    current.finishedNanos - current.startNanos,
                    current.upstreamError);
        }
    }

    private void finishIfDone(Exchange current) {
        if (exchange != current || !current.requestComplete || !current.responseComplete) {
            return;
        }
        exchange = null;
        timeouts.exchangeDone(current.finishedNanos != 0 ? current.finishedNanos : System.nanoTime());
        releaseBuffers(current);
        if (current.closeClientAfter) {
            return; // the connection closes once the response is written
        }
        Object queued;
        while (exchange == null && (queued = pipelined.pollFirst()) != null) {
            dispatch(queued);
        }
        while (exchange != null && !exchange.requestComplete && (queued = pipelined.pollFirst()) != null) {
            dispatch(queued);
        }
        if (clientInputShutdown && exchange == null && pipelined.isEmpty()) {
            // Everything the half-closed client asked is answered: close once the last byte is out.
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The client went away: stop the upstream side, forget the request without counting an answer. */
    private void abandon(Exchange current) {
        cancelResponseTimeout(current);
        if (current.upstream != null) {
            Channel upstream = current.upstream;
            detachUpstream(current);
            upstream.close();
        }
        endAttempt(current);
        releaseBuffers(current);
        // A complete response was counted when it was written.
        if (!current.outcomeRecorded && !current.responseComplete) {
            current.outcomeRecorded = true;
            current.counters.requestAbandoned(eventLoop);
        }
    }

    private static void cancelResponseTimeout(Exchange current) {
        current.responseDeadline = 0; // the connection's deadline check finds nothing to do
    }

    private static void releaseBuffers(Exchange current) {
        if (current.clientHead != null) {
            current.clientHead.release();
            current.clientHead = null;
        }
        releaseAll(current.unsent);
        releaseAll(current.replay);
    }

    private static void releaseAll(Collection<HttpContent> contents) {
        if (contents == null) {
            return;
        }
        for (HttpContent content : contents) {
            content.release();
        }
        contents.clear();
    }

    /** One request and its response, possibly over several upstream attempts. */
    private static final class Exchange {
        final long startNanos;
        final HttpMethod method;
        final HttpVersion clientVersion;
        final boolean clientKeepAlive;
        final boolean requestHasBody;
        // Created on first use: most requests have no body waiting for a connection and nothing worth replaying.
        private ArrayDeque<HttpContent> unsent;
        private List<HttpContent> replay;
        UpstreamRequestHead upstreamRequest;
        /** The upstream connection is attached but {@link #upstreamRequest} not written to it yet. */
        boolean upstreamHeadPending;
        /** The client response head, held until the first body part so that both leave as one buffer. */
        ByteBuf clientHead;
        /** {@link #clientHead} waits for the first body part even when an upstream read ends before it. */
        boolean holdHeadForBody;
        /** The response body goes to the client in chunks (an HTTP/1.1 client of a chunked or close-delimited body). */
        boolean chunkClientBody;
        /** The trailer fields of a chunked body reach the client (only when it gets the body chunked as sent). */
        boolean forwardTrailers;
        BackendSelector selector;
        RoutableBackend backend;
        RevisionCounters counters;
        UpstreamEndpoint endpoint;
        private List<UpstreamEndpoint> tried;
        int attempts;
        boolean attemptActive;
        boolean connecting;
        Channel upstream;
        ProxyBackendHandler upstreamHandler;
        boolean reusedConnection;
        boolean requestComplete;
        boolean requestFullyWritten;
        boolean replayable;
        long replayBytes;
        /** The request ended with an empty last part, which {@link #replay} leaves out. */
        boolean replayEndsEmpty;
        boolean responseStarted;
        boolean responseComplete;
        boolean upstreamKeepAlive;
        boolean closeClientAfter;
        boolean upstreamError;
        boolean outcomeRecorded;
        int status;
        /** {@link System#nanoTime()} by which the upstream must start answering; 0 when not waiting. */
        long responseDeadline;
        /** When the upstream last delivered part of a response that takes more than one read. */
        long lastUpstreamRead;
        /** When the outcome was recorded; 0 before. */
        long finishedNanos;

        Exchange(HttpRequest request, int known, long startNanos) {
            this.startNanos = startNanos;
            this.method = request.method();
            this.clientVersion = request.protocolVersion();
            this.clientKeepAlive = ProxyHeaders.isKeepAlive(request, known);
            this.requestHasBody = ProxyHeaders.hasBody(request, known);
            this.replayable = ProxyHeaders.isIdempotent(request.method());
        }

        ArrayDeque<HttpContent> unsent() {
            if (unsent == null) {
                unsent = new ArrayDeque<>(4);
            }
            return unsent;
        }

        List<HttpContent> replay() {
            if (replay == null) {
                replay = new ArrayList<>(2);
            }
            return replay;
        }

        List<UpstreamEndpoint> tried() {
            if (tried == null) {
                tried = new ArrayList<>(2);
            }
            return tried;
        }
    }
}
