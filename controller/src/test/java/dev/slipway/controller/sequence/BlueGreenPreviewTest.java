package dev.slipway.controller.sequence;

import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.router.Backend;
import dev.slipway.router.HeaderRoute;
import dev.slipway.router.RouteTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static dev.slipway.controller.sequence.ServiceUnderTest.ACTOR;
import static dev.slipway.controller.sequence.ServiceUnderTest.blueGreenRelease;
import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Blue-green at the controller level: while the new release waits for promotion it is the route table's preview
 * revision (what the router's preview listener serves) and reachable with the preview header, without weight;
 * promote and abort both clear the preview. Real controller and store on PostgreSQL; replicas and router in memory.
 */
class BlueGreenPreviewTest extends OnePostgresPerClass {
    @BeforeEach
    void serviceRunning100() {
        service = new ServiceUnderTest(postgres);
        service.givenSchemaVersion1();
        service.applyAndSettle(release("1.0.0", 1, 1, false, false));
        assertThat(routes().previewRevision()).isEmpty();
    }

    @Test
    void theWaitingReleaseIsPreviewedUntilPromotedThenThePreviewIsCleared() {
        service.applyAndSettle(blueGreenRelease("2.0.0", 1, 1));

        assertThat(service.latestRollout().phase()).isEqualTo(RolloutPhase.PAUSED);
        assertPreviewing("2.0.0", "1.0.0");

        service.controller().promote(ACTOR, false);
        awaitPhase(RolloutPhase.PROMOTED);

        assertThat(routes().previewRevision()).as("no preview once promoted").isEmpty();
        assertThat(routes().headerRoutes()).isEmpty();
        assertThat(routes().backends()).filteredOn(backend -> backend.weight() > 0).extracting(Backend::revision)
                .containsExactly("2.0.0");
    }

    @Test
    void anAbortedReleaseIsNoLongerPreviewed() {
        service.applyAndSettle(blueGreenRelease("2.0.0", 1, 1));
        assertPreviewing("2.0.0", "1.0.0");

        service.controller().abort(ACTOR, "the preview looked wrong");
        awaitPhase(RolloutPhase.ABORTED);

        assertThat(routes().previewRevision()).as("no preview once aborted").isEmpty();
        assertThat(routes().headerRoutes()).isEmpty();
        assertThat(routes().backends()).filteredOn(backend -> backend.weight() > 0).extracting(Backend::revision)
                .containsExactly("1.0.0");
    }

    /** The waiting release is the preview revision and the header route's target, the stable one has all weight. */
    private void assertPreviewing(String waiting, String stable) {
        RouteTable table = routes();
        assertThat(table.previewRevision()).contains(waiting);
        assertThat(table.headerRoutes()).containsExactly(new HeaderRoute("X-Preview", "true", waiting));
        assertThat(table.backends()).filteredOn(backend -> backend.revision().equals(waiting))
                .singleElement().satisfies(backend -> {
                    assertThat(backend.weight()).isZero();
                    assertThat(backend.endpoints()).isNotEmpty();
                });
        assertThat(table.backends()).filteredOn(backend -> backend.revision().equals(stable))
                .singleElement().extracting(Backend::weight).isEqualTo(100);
    }

    private RouteTable routes() {
        return service.router.routes();
    }

    /** Applies a release and waits until it runs (paused for promotion, or promoted) or failed. */

    private void awaitPhase(RolloutPhase phase) {
        ServiceUnderTest.await("the rollout is " + phase, Duration.ofSeconds(5), () -> service.latestRollout().phase() == phase);
        service.settle(Optional.empty());
    }
}
