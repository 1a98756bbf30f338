package dev.slipway.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * Picks the revision and endpoint for a request from one immutable routing table. Built once per
 * {@link TrafficRouter#route} call, so the hot path only reads arrays and bumps two counters of the calling
 * event loop (no atomic instruction, no cache line shared between cores).
 *
 * <p>Weighted choice without randomness: request number {@code n} lands on the point
 * {@code n * stride mod totalWeight}, where {@code stride} is coprime with the total. Every run of
 * {@code totalWeight} consecutive requests therefore visits each point exactly once, so the split is exact
 * and interleaved (80/20 alternates rather than sending 80 in a row), and tests are deterministic. Each event
 * loop numbers its own requests, so the split is exact per event loop. A sticky
 * key replaces the counter with a hash of the key, so it always lands on the same point.
 */
final class BackendSelector {

    static final String STICKY_COOKIE = "slipway-sticky";
    static final String STICKY_HEADER = "X-Slipway-Sticky";

    private final RouteTable table;
    private final RoutableBackend[] weighted;
    private final long[] cumulativeWeights;
    private final long totalWeight;
    private final long stride;
    private final CompiledHeaderRoute[] headerRoutes;
    private final RoutableBackend preview;
    /** The next request number of each event loop, at {@code (loop + 1) * PAD}: owned and read by that loop only. */
    private final long[] requestNumbers;

    private BackendSelector(RouteTable table, RoutableBackend[] weighted, CompiledHeaderRoute[] headerRoutes,
                            RoutableBackend preview, int eventLoops) {
        this.table = table;
        this.requestNumbers = new long[(eventLoops + 1) * PAD];
        this.weighted = weighted;
        this.headerRoutes = headerRoutes;
        this.preview = preview;
        this.cumulativeWeights = new long[weighted.length];
        long running = 0;
        for (int i = 0; i < weighted.length; i++) {
            running += weighted[i].weight();
            cumulativeWeights[i] = running;
        }
        this.totalWeight = running;
        this.stride = coprimeStride(running);
    }

    /** Longs (or a multiple of ints) between two event loops' counters: one cache line. */
    private static final int PAD = 8;

    static BackendSelector build(RouteTable table, UpstreamPool pool, CountersByRevision counters) {
        int eventLoops = counters.eventLoops();
        List<RoutableBackend> all = new ArrayList<>();
        List<RoutableBackend> weighted = new ArrayList<>();
        for (Backend backend : table.backends()) {
            UpstreamEndpoint[] endpoints = backend.endpoints().stream().map(pool::endpoint)
                    .toArray(UpstreamEndpoint[]::new);
            RoutableBackend routable = new RoutableBackend(backend.revision(), backend.weight(), endpoints,
                    counters.forRevision(backend.revision()), eventLoops);
            all.add(routable);
            if (routable.weight() > 0 && endpoints.length > 0) {
                weighted.add(routable);
            }
        }
        List<CompiledHeaderRoute> routes = new ArrayList<>();
        for (HeaderRoute route : table.headerRoutes()) {
            all.stream()
                    .filter(backend -> backend.revision().equals(route.revision()) && backend.hasEndpoints())
                    .findFirst()
                    .ifPresent(backend -> routes.add(new CompiledHeaderRoute(route.name(), route.value(), backend)));
        }
        RoutableBackend preview = table.previewRevision()
                .flatMap(revision -> all.stream()
                        .filter(backend -> backend.revision().equals(revision) && backend.hasEndpoints())
                        .findFirst())
                .orElse(null);
        return new BackendSelector(table, weighted.toArray(RoutableBackend[]::new),
                routes.toArray(CompiledHeaderRoute[]::new), preview, eventLoops);
    }

    RouteTable table() {
        return table;
    }

    /**
     * The revision for a request with these headers, or null when none is routable. {@code mayBeSticky}: the headers
     * hold a sticky header or a cookie (false spares looking for them). Call on event loop {@code loop}.
     */
    RoutableBackend select(HttpHeaders headers, boolean mayBeSticky, int loop) {
        for (CompiledHeaderRoute route : headerRoutes) {
            if (route.value().equals(headers.get(route.name()))) {
                return route.backend();
            }
        }
        if (totalWeight == 0) {
            return null;
        }
        String stickyKey = mayBeSticky ? stickyKey(headers) : null;
        long point = stickyKey != null
                ? Math.floorMod(mix(stickyKey.hashCode()), totalWeight)
                : ((requestNumbers[(loop + 1) * PAD]++ % totalWeight) * stride) % totalWeight;
        for (int i = 0; i < cumulativeWeights.length; i++) {
            if (point < cumulativeWeights[i]) {
                return weighted[i];
            }
        }
        return weighted[weighted.length - 1];
    }

    /** The revision behind the preview listener, or null when the table names none with endpoints. */
    RoutableBackend preview() {
        return preview;
    }

    /**
     * Where to try again after {@code failed} did not work: another endpoint of the same revision first, then
     * any other weighted revision (unless {@code sameRevisionOnly}); never an endpoint already tried or removed from
     * the table. Null if none. Call on event loop {@code loop}.
     */
    Choice retryTarget(RoutableBackend failed, List<UpstreamEndpoint> tried, boolean sameRevisionOnly, int loop) {
        UpstreamEndpoint sameRevision = failed.nextEndpointExcept(tried, loop);
        if (sameRevision != null) {
            return new Choice(failed, sameRevision);
        }
        if (sameRevisionOnly) {
            return null;
        }
        for (RoutableBackend other : weighted) {
            if (other != failed) {
                UpstreamEndpoint endpoint = other.nextEndpointExcept(tried, loop);
                if (endpoint != null) {
                    return new Choice(other, endpoint);
                }
            }
        }
        return null;
    }

    static String stickyKey(HttpHeaders headers) {
        String header = headers.get(STICKY_HEADER);
        if (header != null && !header.isEmpty()) {
            return header;
        }
        String cookies = headers.get(HttpHeaderNames.COOKIE);
        return cookies == null ? null : cookieValue(cookies, STICKY_COOKIE);
    }

    /** The value of cookie {@code name} in a {@code Cookie} header, parsed by hand to stay allocation-light. */
    static String cookieValue(String cookieHeader, String name) {
        int position = 0;
        int length = cookieHeader.length();
        while (position < length) {
            while (position < length && (cookieHeader.charAt(position) == ' ' || cookieHeader.charAt(position) == ';')) {
                position++;
            }
            int end = cookieHeader.indexOf(';', position);
            if (end < 0) {
                end = length;
            }
            int equals = cookieHeader.indexOf('=', position);
            if (equals > position && equals < end && equals - position == name.length()
                    && cookieHeader.regionMatches(position, name, 0, name.length())) {
                String value = cookieHeader.substring(equals + 1, end).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return value.isEmpty() ? null : value;
            }
            position = end + 1;
        }
        return null;
    }

    /** Spreads similar keys ("user-1", "user-2") over the whole range (the murmur3 finalizer). */
    private static long mix(int hash) {
        long h = hash & 0xffffffffL;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** A step near the golden ratio of {@code total} that shares no factor with it, so it visits every point. */
    private static long coprimeStride(long total) {
        if (total <= 2) {
            return 1;
        }
        for (long candidate = Math.max(1, (long) (total * 0.6180339887)); candidate > 1; candidate--) {
            if (greatestCommonDivisor(candidate, total) == 1) {
                return candidate;
            }
        }
        return 1;
    }

    private static long greatestCommonDivisor(long a, long b) {
        while (b != 0) {
            long remainder = a % b;
            a = b;
            b = remainder;
        }
        return a;
    }

    /** A revision and one of its endpoints. */
    record Choice(RoutableBackend backend, UpstreamEndpoint endpoint) {
    }

    private record CompiledHeaderRoute(String name, String value, RoutableBackend backend) {
    }

    /** A revision as the selector sees it: resolved endpoints, round-robin position and counters. */
    static final class RoutableBackend {
        private final String revision;
        private final int weight;
        private final UpstreamEndpoint[] endpoints;
        private final RevisionCounters counters;
        /** Each event loop's round-robin position, at {@code (loop + 1) * PAD * 2} (ints): that loop's only. */
        private final int[] nextEndpoint;

        RoutableBackend(String revision, int weight, UpstreamEndpoint[] endpoints, RevisionCounters counters,
                        int eventLoops) {
            this.revision = revision;
            this.weight = weight;
            this.endpoints = endpoints;
            this.counters = counters;
            this.nextEndpoint = new int[(eventLoops + 1) * PAD * 2];
        }

        String revision() {
            return revision;
        }

        int weight() {
            return weight;
        }

        RevisionCounters counters() {
            return counters;
        }

        boolean hasEndpoints() {
            return endpoints.length > 0;
        }

        /** Round-robin per event loop, skipping endpoints removed since this table was built. */
        UpstreamEndpoint nextEndpoint(int loop) {
            return nextEndpointExcept(List.of(), loop);
        }

        UpstreamEndpoint nextEndpointExcept(List<UpstreamEndpoint> excluded, int loop) {
            int start = nextEndpoint[(loop + 1) * PAD * 2]++;
            for (int i = 0; i < endpoints.length; i++) {
                UpstreamEndpoint candidate = endpoints[Math.floorMod(start + i, endpoints.length)];
                if (!candidate.isRemoved() && !excluded.contains(candidate)) {
                    return candidate;
                }
            }
            return null;
        }
    }
}
