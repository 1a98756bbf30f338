package dev.slipway.controller.event;

import dev.slipway.analysis.Verdict;
import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.state.ServiceState;
import dev.slipway.router.Backend;
import dev.slipway.router.RouteTable;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

class RolloutEventsTest {
    private final ServiceState state = ServiceState.empty()
            .firstDeployAccepted(Revision.of(release("1.0.0", 1, 1, false, false))).firstDeployDone();
    private final RolloutEvents events = new RolloutEvents(Clock.systemUTC(), () -> state,
            () -> RouteTable.single(new Backend("1.0.0", 100, List.of())), () -> new TreeSet<>(List.of(1, 2)));

    @Test
    void listenersGetTheTypedEventAndTheTimelineItsLineWithThePicture() {
        List<RolloutEvent> heard = new ArrayList<>();
        List<TimelineEntry> lines = new ArrayList<>();
        events.addListener(heard::add);
        events.addTimelineListener(lines::add);

        RolloutEvent aborted = new RolloutEvent.RolloutAborted("1.1.0", "analysis failed: error rate 30%");
        events.emit(aborted);

        assertThat(heard).containsExactly(aborted);
        assertThat(lines).singleElement().satisfies(line -> {
            assertThat(line.event()).isEqualTo("aborted 1.1.0: analysis failed: error rate 30%");
            assertThat(line.weights()).containsEntry("1.0.0", 100);
            assertThat(line.schemaState()).containsExactly(1, 2);
            assertThat(line.runningVersions()).containsExactly("1.0.0");
        });
        assertThat(events.timeline()).isEqualTo(lines);
    }

    @Test
    void anAnalysisResultReachesListenersButNotTheTimeline() {
        List<RolloutEvent> heard = new ArrayList<>();
        events.addListener(heard::add);

        events.emit(new RolloutEvent.AnalysisResult("1.1.0", new Verdict(Verdict.Outcome.PASS, "ok", 100, 0, 0)));

        assertThat(heard).hasSize(1);
        assertThat(events.timeline()).isEmpty();
    }

    @Test
    void eventsReadAsTheTimelineAlwaysShowedThem() {
        assertThat(new RolloutEvent.RolloutPromoted("2.0.0", Optional.of("1.0.0"), Optional.of(java.time.Duration.ofSeconds(60)), 2)
                .text()).isEqualTo("promoted 2.0.0; 1.0.0 kept for undo for 60 s");
        assertThat(new RolloutEvent.RolloutPromoted("2.0.0", Optional.of("1.0.0"), Optional.empty(), 2).text())
                .isEqualTo("promoted 2.0.0 to stable; draining 1.0.0");
        assertThat(new RolloutEvent.RolloutPromoted("1.0.0", Optional.empty(), Optional.empty(), 2).text())
                .isEqualTo("deployed 1.0.0 (2 replicas)");
        assertThat(new RolloutEvent.SchemaChanged(RolloutEvent.SchemaChanged.Kind.STARTED, 2, "split name").text())
                .isEqualTo("schema 2 started (split name)");
    }

    @Test
    void recentIsTheNewestLinesOldestFirst() {
        for (int i = 0; i < 25; i++) {
            events.note("line " + i);
        }

        assertThat(events.recent(20)).extracting(TimelineEntry::event).first().isEqualTo("line 5");
        assertThat(events.recent(20)).hasSize(20).last().extracting(TimelineEntry::event).isEqualTo("line 24");
    }
}
