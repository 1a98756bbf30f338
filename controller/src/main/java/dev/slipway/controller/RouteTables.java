package dev.slipway.controller;

import dev.slipway.router.Backend;
import dev.slipway.router.Endpoint;
import dev.slipway.router.HeaderRoute;
import dev.slipway.router.RouteTable;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns who is ready and the wanted canary weight into a route table. Pure, so the rule that matters is
 * checked exhaustively: traffic never goes to no ready revision while a ready one exists.
 */
public final class RouteTables {
    private RouteTables() {
    }

    /**
     * @param stableVersion null when nothing is stable yet
     * @param canaryVersion null when no rollout runs
     * @param canaryWeight  the weight the strategy asks for (0..100); moved to whichever side has ready
     *                      endpoints when the other has none
     */
    public static RouteTable build(String stableVersion, List<Endpoint> stableReady, String canaryVersion,
                                   List<Endpoint> canaryReady, int canaryWeight, List<HeaderRoute> headerRoutes) {
        return build(stableVersion, stableReady, canaryVersion, canaryReady, canaryWeight, headerRoutes, false);
    }

    /**
     * As {@link #build(String, List, String, List, int, List)}; with {@code previewCanary} the canary is also the
     * table's preview revision (blue-green: everything on the preview listener goes to the waiting release), but
     * only while it has ready endpoints, like its header routes.
     */
    public static RouteTable build(String stableVersion, List<Endpoint> stableReady, String canaryVersion,
                                   List<Endpoint> canaryReady, int canaryWeight, List<HeaderRoute> headerRoutes,
                                   boolean previewCanary) {
        int weight = Math.max(0, Math.min(100, canaryWeight));
        boolean stableServes = stableVersion != null && !stableReady.isEmpty();
        boolean canaryServes = canaryVersion != null && !canaryReady.isEmpty();
        if (!canaryServes) {
            weight = 0;
        } else if (!stableServes) {
            weight = 100;
        }
        List<Backend> backends = new ArrayList<>();
        if (stableVersion != null) {
            backends.add(new Backend(stableVersion, 100 - weight, stableReady));
        }
        if (canaryVersion != null) {
            backends.add(new Backend(canaryVersion, weight, canaryReady));
        }
        List<HeaderRoute> routes = canaryServes ? headerRoutes : List.of();
        Optional<String> preview = canaryServes && previewCanary ? Optional.of(canaryVersion) : Optional.empty();
        return new RouteTable(backends, routes, preview);
    }

    /**
     * Adds an experiment's baseline: it gets the canary's weight, taken from stable, so that baseline and canary see
     * the same share of the same traffic. Without ready baseline endpoints, or without a stable share to take from,
     * the table stays as it is.
     */
    public static RouteTable withBaseline(RouteTable table, String baselineVersion, List<Endpoint> baselineReady,
                                          String canaryVersion) {
        if (baselineVersion == null || baselineReady.isEmpty()) {
            return table;
        }
        int canaryWeight = table.backends().stream().filter(b -> b.revision().equals(canaryVersion))
                .mapToInt(Backend::weight).findFirst().orElse(0);
        List<Backend> backends = new ArrayList<>();
        int taken = 0;
        for (Backend backend : table.backends()) {
            if (!backend.revision().equals(canaryVersion) && taken == 0 && !backend.endpoints().isEmpty()) {
                taken = Math.min(canaryWeight, backend.weight());
                backends.add(new Backend(backend.revision(), backend.weight() - taken, backend.endpoints()));
            } else {
                backends.add(backend);
            }
        }
        if (taken == 0) {
            return table;
        }
        backends.add(new Backend(baselineVersion, taken, baselineReady));
        return new RouteTable(backends, table.headerRoutes(), table.previewRevision());
    }

    /** True when a request without special headers can reach a ready endpoint under this table. */
    public static boolean routable(RouteTable table) {
        return table.backends().stream().anyMatch(b -> b.weight() > 0 && !b.endpoints().isEmpty());
    }
}
