package dev.slipway.controller.rollout;

import dev.slipway.controller.sequence.InMemoryStore;
import dev.slipway.model.ReleaseSpec;
import org.junit.jupiter.api.Test;

import static dev.slipway.controller.sequence.ServiceUnderTest.blueGreenRelease;
import static org.assertj.core.api.Assertions.assertThat;

class KnownReleasesTest {

    @Test
    void aRememberedReleaseIsFoundAgainByAControllerThatNeverSawIt() {
        InMemoryStore store = new InMemoryStore();
        ReleaseSpec release = blueGreenRelease("2.0.0", 1, 2);
        new KnownReleases("items", store).remember(release);

        KnownReleases afterARestart = new KnownReleases("items", store);

        assertThat(afterARestart.find("2.0.0")).contains(release);
        assertThat(afterARestart.find("9.9.9")).isEmpty();
        assertThat(afterARestart.versionsSeen()).containsExactly("2.0.0");
    }
}
