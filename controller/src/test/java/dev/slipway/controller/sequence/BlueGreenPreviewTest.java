package dev.slipway.controller.sequence;

import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.router.Backend;
import dev.slipway.router.HeaderRoute;
import dev.slipway.router.RouteTable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static dev.slipway.controller.sequence.ServiceUnderTest.ACTOR;
import static dev.slipway.controller.sequence.ServiceUnderTest.SERVICE;
import static dev.slipway.controller.sequence.ServiceUnderTest.blueGreenRelease;
import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Blue-green at the controller level: while the new release waits for promotion it is the route table's preview
 * revision (what the router's preview listener serves) and reachable with the preview header, without weight;
 * promote and abort both clear the preview. Real controller and store on PostgreSQL; replicas and router in memory.
 */
class BlueGreenPreviewTest {
    private static TestPostgres postgres;
    private ServiceUnderTest service;

    @BeforeAll
    static void startPostgres() {
        QuietLogs.apply();
        postgres = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @BeforeEach
    void serviceRunning100() {
        service = new ServiceUnderTest(postgres);
        service.givenSchemaVersion1();
        apply(release("1.0.0", 1, 1, false, false));
        assertThat(routes().previewRevision()).isEmpty();
    }

    @AfterEach
    void closeService() {
        service.close();
    }

    @Test
    void theWaitingReleaseIsPreviewedUntilPromotedThenThePreviewIsCleared() {
        apply(blueGreenRelease("2.0.0", 1, 1));

        assertThat(latest().phase()).isEqualTo(RolloutPhase.PAUSED);
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
        apply(blueGreenRelease("2.0.0", 1, 1));
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

    private RolloutRecord latest() {
        return service.store.latestRollout(SERVICE).orElseThrow();
    }

    /** Applies a release and waits until it runs (paused for promotion, or promoted) or failed. */
    private void apply(dev.slipway.model.ReleaseSpec release) {
        ServiceUnderTest.PendingApply pending = service.pendingApply(release.version());
        service.controller().apply(release, ACTOR);
        service.settle(Optional.of(pending));
    }

    private void awaitPhase(RolloutPhase phase) {
        ServiceUnderTest.await("the rollout is " + phase, Duration.ofSeconds(5), () -> latest().phase() == phase);
        service.settle(Optional.empty());
    }
}
