package dev.slipway.controller.hooks;

import dev.slipway.model.ProgressDeadline;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress deadline counts time without progress, not time spent waiting for a person. */
class ProgressWatchTest {
    private final MutableClock clock = new MutableClock();
    private Optional<ProgressDeadline> deadline = Optional.of(new ProgressDeadline(Duration.ofMinutes(10),
            ProgressDeadline.OnDeadline.ABORT));
    private final ProgressWatch watch = new ProgressWatch(clock, () -> deadline);

    @Test
    void aRolloutWithoutProgressForTheDeadlineIsOverdueOnceWithItsReason() {
        watch.start();
        clock.advance(Duration.ofMinutes(4));
        watch.progressed("setWeight 20%");
        clock.advance(Duration.ofMinutes(9));
        assertThat(watch.overdue()).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        assertThat(watch.overdue()).hasValueSatisfying(overdue -> {
            assertThat(overdue.reason()).isEqualTo("progress deadline exceeded: no progress for 10m since setWeight 20%");
            assertThat(overdue.deadline().action()).isEqualTo(ProgressDeadline.OnDeadline.ABORT);
        });
        assertThat(watch.overdue()).as("reported once").isEmpty();
    }

    @Test
    void waitingForAPersonIsNotALackOfProgress() {
        watch.start();
        watch.waitingForPerson(true);
        clock.advance(Duration.ofHours(3));
        assertThat(watch.overdue()).isEmpty();
        watch.waitingForPerson(false);
        clock.advance(Duration.ofMinutes(9));
        assertThat(watch.overdue()).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        assertThat(watch.overdue()).isPresent();
    }

    @Test
    void nothingIsOverdueWithoutADeadlineOrARollout() {
        clock.advance(Duration.ofHours(1));
        assertThat(watch.overdue()).as("no rollout").isEmpty();
        deadline = Optional.empty();
        watch.start();
        clock.advance(Duration.ofHours(1));
        assertThat(watch.overdue()).as("no deadline").isEmpty();
        deadline = Optional.of(new ProgressDeadline(Duration.ofMinutes(1), ProgressDeadline.OnDeadline.PAUSE));
        watch.stop();
        assertThat(watch.overdue()).as("ended").isEmpty();
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-12-06T12:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
