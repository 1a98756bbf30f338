package dev.slipway.controller.hooks;

import dev.slipway.model.Durations;
import dev.slipway.model.ProgressDeadline;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The progress deadline of one rollout: how long since it last made progress (a step reached, a replica ready, an
 * analysis concluded). Time spent waiting for a person — a pause until promoted — does not count. Thread-safe: the
 * rollout reports progress, the controller's monitor asks whether the deadline has passed.
 */
public final class ProgressWatch {
    private final Clock clock;
    private final Supplier<Optional<ProgressDeadline>> deadline;
    private Instant lastProgress;
    private String lastStep = "start";
    private boolean waitingForPerson;
    private boolean running;
    private boolean reported;

    public ProgressWatch(Clock clock, Supplier<Optional<ProgressDeadline>> deadline) {
        this.clock = clock;
        this.deadline = deadline;
    }

    /** A rollout begins (or resumes): the deadline counts from now. */
    public synchronized void start() {
        running = true;
        waitingForPerson = false;
        reported = false;
        lastProgress = clock.instant();
        lastStep = "start";
    }

    /** The rollout made progress; {@code what} names it for the reason ("setWeight 50%"). */
    public synchronized void progressed(String what) {
        lastProgress = clock.instant();
        lastStep = what;
        reported = false;
    }

    /** The rollout waits for a person (or stops waiting): such time is not a lack of progress. */
    public synchronized void waitingForPerson(boolean waiting) {
        if (waitingForPerson && !waiting) {
            lastProgress = clock.instant();
        }
        waitingForPerson = waiting;
    }

    /** The rollout ended. */
    public synchronized void stop() {
        running = false;
    }

    /**
     * The deadline and the reason to give, the first time it has passed since the last progress; empty otherwise
     * (also while nothing runs, while a person is awaited, or without a deadline in the policy).
     */
    public synchronized Optional<Overdue> overdue() {
        Optional<ProgressDeadline> limit = deadline.get();
        if (!running || waitingForPerson || reported || limit.isEmpty()) {
            return Optional.empty();
        }
        Duration idle = Duration.between(lastProgress, clock.instant());
        if (idle.compareTo(limit.get().after()) < 0) {
            return Optional.empty();
        }
        reported = true;
        return Optional.of(new Overdue(limit.get(), "progress deadline exceeded: no progress for "
                + Durations.format(limit.get().after()) + " since " + lastStep));
    }

    /** A passed deadline: what to do about it and the reason for the status. */
    public record Overdue(ProgressDeadline deadline, String reason) {
    }
}
