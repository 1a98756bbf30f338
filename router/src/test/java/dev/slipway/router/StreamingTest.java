package dev.slipway.router;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;

/** Big bodies flow through the router chunk by chunk: neither its buffers nor the heap grow with them. */
class StreamingTest {

    private static final long HUNDRED_MEGABYTES = 100L * 1024 * 1024;
    private static final long BUDGET_BYTES = 50L * 1024 * 1024;

    private final TestUpstream upstream = TestUpstream.start("big");
    private final BuiltInRouter router = BuiltInRouter.start(RouterConfig.onLoopback());
    private final Http http = new Http(router.address());

    @AfterEach
    void stop() {
        router.close();
        upstream.close();
    }

    @Test
    void aHundredMegabyteDownloadIsStreamed() throws Exception {
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));
        long heapBefore = usedHeapAfterGc();

        try (MemoryWatch watch = new MemoryWatch()) {
            HttpResponse<InputStream> response = http.client().send(
                    HttpRequest.newBuilder(http.uri("/download?bytes=" + HUNDRED_MEGABYTES)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            long received = countAndDiscard(response.body());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(received).isEqualTo(HUNDRED_MEGABYTES);
            assertThat(watch.peakNettyBytes()).isLessThan(BUDGET_BYTES);
        }
        assertThat(usedHeapAfterGc() - heapBefore).isLessThan(BUDGET_BYTES);
    }

    /**
     * The router holds a response head back until the body's first part, to send both in one write: a head whose
     * body is not coming yet must still leave at the end of the upstream read that brought it.
     */
    @Test
    void aResponseHeadReachesTheClientWhileItsBodyIsStillComing() {
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));
        try (RawClient client = new RawClient(router.address())) {
            client.send("GET /stall?bytes=0 HTTP/1.1\r\nHost: x\r\n\r\n"); // a head, then silence

            assertThat(client.readHead()).startsWith("HTTP/1.1 200 ").contains("X-Slipway-Revision: 1.0.0");
        }
    }

    @Test
    void aHundredMegabyteUploadIsStreamed() throws Exception {
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));
        long heapBefore = usedHeapAfterGc();

        try (MemoryWatch watch = new MemoryWatch()) {
            HttpRequest upload = HttpRequest.newBuilder(http.uri("/upload"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> new ZeroStream(HUNDRED_MEGABYTES)),
                            HUNDRED_MEGABYTES))
                    .build();
            HttpResponse<String> response = http.send(upload);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(Long.toString(HUNDRED_MEGABYTES));
            assertThat(watch.peakNettyBytes()).isLessThan(BUDGET_BYTES);
        }
        assertThat(usedHeapAfterGc() - heapBefore).isLessThan(BUDGET_BYTES);
    }

    @Test
    void aChunkedUploadOfUnknownLengthIsForwarded() {
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));
        HttpRequest upload = HttpRequest.newBuilder(http.uri("/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ZeroStream(5_000_000)))
                .build();

        assertThat(http.send(upload).body()).isEqualTo("5000000");
    }

    private static long countAndDiscard(InputStream body) throws Exception {
        try (body) {
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = body.read(buffer)) >= 0) {
                total += read;
            }
            return total;
        }
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Samples the memory Netty's pooled allocator holds in use, every few milliseconds. */
    private static final class MemoryWatch implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread sampler = new Thread(this::sample, "memory-watch");

        MemoryWatch() {
            sampler.setDaemon(true);
            sampler.start();
        }

        private void sample() {
            while (running.get()) {
                var metric = PooledByteBufAllocator.DEFAULT.metric();
                peak.accumulateAndGet(metric.usedDirectMemory() + metric.usedHeapMemory(), Math::max);
                Http.sleep(5);
            }
        }

        long peakNettyBytes() {
            return peak.get();
        }

        @Override
        public void close() {
            running.set(false);
            try {
                sampler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code length} zero bytes, generated as they are read. */
    private static final class ZeroStream extends InputStream {
        private long remaining;

        ZeroStream(long length) {
            this.remaining = length;
        }

        @Override
        public int read() {
            if (remaining <= 0) {
                return -1;
            }
            remaining--;
            return 0;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (remaining <= 0) {
                return -1;
            }
            int count = (int) Math.min(length, remaining);
            java.util.Arrays.fill(buffer, offset, offset + count, (byte) 0);
            remaining -= count;
            return count;
        }
    }
}
