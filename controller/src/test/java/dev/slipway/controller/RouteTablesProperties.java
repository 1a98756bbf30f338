package dev.slipway.controller;

import dev.slipway.router.Endpoint;
import dev.slipway.router.HeaderRoute;
import dev.slipway.router.RouteTable;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RouteTablesProperties {

    private static List<Endpoint> endpoints(int count, int basePort) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            endpoints.add(new Endpoint("127.0.0.1", basePort + i));
        }
        return endpoints;
    }

    @Property
    void trafficNeverGoesNowhereWhileSomeoneIsReady(@ForAll @IntRange(min = 0, max = 3) int stableReady,
                                                    @ForAll @IntRange(min = 0, max = 3) int canaryReady,
                                                    @ForAll @IntRange(min = 0, max = 100) int weight,
                                                    @ForAll boolean hasStable, @ForAll boolean hasCanary) {
        RouteTable table = RouteTables.build(hasStable ? "1.0.0" : null, endpoints(hasStable ? stableReady : 0, 9000),
                hasCanary ? "2.0.0" : null, endpoints(hasCanary ? canaryReady : 0, 9100), weight,
                List.of(new HeaderRoute("X-Canary", "on", "2.0.0")));

        boolean someoneReady = (hasStable && stableReady > 0) || (hasCanary && canaryReady > 0);
        assertThat(RouteTables.routable(table)).isEqualTo(someoneReady);
        assertThat(table.backends().stream().mapToInt(b -> b.weight()).sum()).isIn(0, 100);
        if (hasCanary && canaryReady == 0) {
            assertThat(table.headerRoutes()).as("a header route to a canary with no ready replica").isEmpty();
        }
        if (hasStable && stableReady > 0 && hasCanary && canaryReady > 0) {
            assertThat(table.backends().get(1).weight()).as("the strategy's weight holds when both serve")
                    .isEqualTo(weight);
        }
    }

    @Property
    void thePreviewRevisionIsTheCanaryAndOnlyWhileItHasReadyReplicas(@ForAll @IntRange(min = 0, max = 3) int stableReady,
                                                                     @ForAll @IntRange(min = 0, max = 3) int canaryReady,
                                                                     @ForAll boolean hasCanary, @ForAll boolean preview) {
        RouteTable table = RouteTables.build("1.0.0", endpoints(stableReady, 9000), hasCanary ? "2.0.0" : null,
                endpoints(hasCanary ? canaryReady : 0, 9100), 0, List.of(), preview);

        if (preview && hasCanary && canaryReady > 0) {
            assertThat(table.previewRevision()).contains("2.0.0");
        } else {
            assertThat(table.previewRevision()).isEmpty();
        }
        RouteTable withoutPreview = RouteTables.build("1.0.0", endpoints(stableReady, 9000), hasCanary ? "2.0.0" : null,
                endpoints(hasCanary ? canaryReady : 0, 9100), 0, List.of());
        assertThat(new RouteTable(table.backends(), table.headerRoutes())).as("a preview changes nothing else")
                .isEqualTo(withoutPreview);
    }
}
