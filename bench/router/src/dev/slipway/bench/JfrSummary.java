package dev.slipway.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Summarises a JFR recording of the router taken while wrk served a known number of requests
 * (bench/router/run.sh --jfr): heap bytes its event loops allocated per request, and where their CPU time went.
 *
 * <pre>
 *   java JfrSummary.java RECORDING.jfr REQUESTS
 * </pre>
 * CPU samples are charged to the innermost frame that belongs to one of a few parts (Netty's HTTP decoders, its
 * encoders, the socket write path, a Slipway router class); what is left is shown by its top frame. A part includes
 * what it calls, so "decoders" includes the header objects and buffers the decoders allocate.
 */
public final class JfrSummary {

    /** The router's event loop threads (BuiltInRouter names them slipway-router-io-N-M). */
    private static final String EVENT_LOOP = "slipway-router-io";
    private static final int TOP = 15;

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java JfrSummary.java RECORDING.jfr REQUESTS");
            System.exit(2);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(Path.of(args[0]));
        long requests = Long.parseLong(args[1]);

        // ThreadAllocationStatistics is emitted at the start and the end of the recording ("everyChunk"):
        // the difference per thread is what it allocated while wrk ran.
        Map<String, long[]> allocated = new HashMap<>(); // thread -> {min, max}
        Map<String, Long> cpu = new HashMap<>();
        Map<String, Long> other = new HashMap<>();
        long samples = 0;
        long pooling = 0;
        for (RecordedEvent event : events) {
            String type = event.getEventType().getName();
            if (type.equals("jdk.ThreadAllocationStatistics")) {
                RecordedThread thread = event.getThread("thread");
                if (thread != null && name(thread).startsWith(EVENT_LOOP)) {
                    long bytes = event.getLong("allocated");
                    allocated.merge(name(thread), new long[] {bytes, bytes},
                            (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                }
            } else if (type.equals("jdk.ExecutionSample")) {
                RecordedThread thread = event.getThread("sampledThread");
                if (thread == null || !name(thread).startsWith(EVENT_LOOP) || event.getStackTrace() == null) {
                    continue;
                }
                List<RecordedFrame> frames = event.getStackTrace().getFrames();
                samples++;
                if (frames.stream().anyMatch(f -> typeName(f).startsWith("io.netty.buffer.Pool"))) {
                    pooling++;
                }
                String part = part(frames);
                if (part == null) {
                    part = "other";
                    if (!frames.isEmpty()) {
                        other.merge(shortName(frames.get(0)), 1L, Long::sum);
                    }
                }
                cpu.merge(part, 1L, Long::sum);
            }
        }

        long total = allocated.values().stream().mapToLong(range -> range[1] - range[0]).sum();
        System.out.printf("Heap allocated by the router's event loops: %d bytes per request (%d requests)%n",
                requests > 0 ? total / requests : 0, requests);
        System.out.printf("CPU samples on the event loops: %d; in pooled-buffer allocation or release (anywhere): %.1f %%%n",
                samples, percent(pooling, samples));
        for (Map.Entry<String, Long> entry : sortedByCount(cpu).entrySet()) {
            System.out.printf("  %5.1f %%  %s%n", percent(entry.getValue(), samples), entry.getKey());
        }
        System.out.println("  'other', by top frame:");
        int shown = 0;
        for (Map.Entry<String, Long> entry : sortedByCount(other).entrySet()) {
            if (shown++ == TOP) {
                break;
            }
            System.out.printf("    %5.1f %%  %s%n", percent(entry.getValue(), samples), entry.getKey());
        }
    }

    /** The part a sample is charged to: the innermost frame that names one, or null. */
    private static String part(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            String type = typeName(frame);
            if (type.startsWith("io.netty.handler.codec.http.Http") && type.endsWith("Decoder")) {
                return "Netty HTTP decoders";
            }
            if (type.startsWith("io.netty.handler.codec.http.Http") && type.endsWith("Encoder")) {
                return "Netty HTTP encoders";
            }
            if (type.equals("io.netty.channel.ChannelOutboundBuffer")) {
                return "socket write path (ChannelOutboundBuffer)";
            }
            if (type.startsWith("dev.slipway.router.")) {
                String simple = type.substring("dev.slipway.router.".length());
                int nested = simple.indexOf('$');
                return "router: " + (nested < 0 ? simple : simple.substring(0, nested));
            }
        }
        return null;
    }

    private static Map<String, Long> sortedByCount(Map<String, Long> counts) {
        Map<String, Long> sorted = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(entry -> sorted.put(entry.getKey(), entry.getValue()));
        return sorted;
    }

    private static String typeName(RecordedFrame frame) {
        return frame.getMethod().getType().getName();
    }

    private static String shortName(RecordedFrame frame) {
        String type = typeName(frame);
        return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
    }

    private static String name(RecordedThread thread) {
        return thread.getJavaName() == null ? "" : thread.getJavaName();
    }

    private static double percent(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }
}
