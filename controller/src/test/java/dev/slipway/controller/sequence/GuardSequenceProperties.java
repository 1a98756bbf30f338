package dev.slipway.controller.sequence;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.util.ArrayList;
import java.util.List;

/**
 * The compatibility guard and the rollout state machine under random sequences of every action — schema
 * start/complete/rollback, apply, promote, abort, retry, undo, forced overrides and controller crashes — on a
 * real controller, coordinator, schema engine and store (PostgreSQL), with in-memory replicas and router.
 * See {@link SequenceTrial} for what is checked after each step.
 */
class GuardSequenceProperties {
    private static TestPostgres postgres;

    @BeforeContainer
    static void startPostgres() {
        QuietLogs.apply();
        postgres = TestPostgres.start();
    }

    @AfterContainer
    static void stopPostgres() {
        postgres.close();
    }

    /**
     * After every accepted action the invariant holds (unless a forced override, audited with its backup, came
     * first); every refused action leaves catalog, migration history and rollout state unchanged.
     */
    @Property(tries = 40)
    void acceptedActionsKeepTheInvariantAndRefusedOnesChangeNothing(@ForAll("anyActions") List<SequenceAction> actions) {
        try (ServiceUnderTest service = new ServiceUnderTest(postgres)) {
            new SequenceTrial(service).run(actions);
        }
    }

    /** Over promote, abort, retry, undo, pauses and crashes, no route table strands traffic while a revision is ready. */
    @Property(tries = 10)
    void trafficNeverGoesToNoReadyRevisionWhileOneIsReady(@ForAll("rolloutActions") List<SequenceAction> actions) {
        try (ServiceUnderTest service = new ServiceUnderTest(postgres)) {
            new SequenceTrial(service).run(actions);
        }
    }

    /** A first release, then up to 11 of any action, forced ones and crashes included. */
    @Provide
    Arbitrary<List<SequenceAction>> anyActions() {
        Arbitrary<SequenceAction> any = Arbitraries.frequencyOf(
                Tuple.of(4, applies()),
                Tuple.of(3, Arbitraries.of(true, false).map(opaque -> new SequenceAction.SchemaStart(opaque, false))),
                Tuple.of(2, Arbitraries.just(new SequenceAction.SchemaComplete(false))),
                Tuple.of(2, Arbitraries.just(new SequenceAction.SchemaRollback(false))),
                Tuple.of(4, Arbitraries.of(new SequenceAction.Promote(false), new SequenceAction.Promote(true))),
                Tuple.of(3, Arbitraries.just(new SequenceAction.Abort())),
                Tuple.of(1, Arbitraries.just(new SequenceAction.Retry())),
                Tuple.of(3, Arbitraries.just(new SequenceAction.Undo(false))),
                Tuple.of(2, Arbitraries.just(new SequenceAction.Crash())),
                Tuple.of(1, Arbitraries.of(true, false).map(opaque -> new SequenceAction.SchemaStart(opaque, true))),
                Tuple.of(1, Arbitraries.just(new SequenceAction.SchemaComplete(true))),
                Tuple.of(1, Arbitraries.just(new SequenceAction.SchemaRollback(true))),
                Tuple.of(1, Arbitraries.just(new SequenceAction.Undo(true))));
        return firstReleaseThen(any);
    }

    /** A first release, then up to 11 rollout actions (pausing canaries, never-ready ones) and crashes. */
    @Provide
    Arbitrary<List<SequenceAction>> rolloutActions() {
        Arbitrary<SequenceAction> any = Arbitraries.frequencyOf(
                Tuple.of(4, applies()),
                Tuple.of(4, Arbitraries.of(new SequenceAction.Promote(false), new SequenceAction.Promote(true))),
                Tuple.of(3, Arbitraries.just(new SequenceAction.Abort())),
                Tuple.of(2, Arbitraries.just(new SequenceAction.Retry())),
                Tuple.of(3, Arbitraries.just(new SequenceAction.Undo(false))),
                Tuple.of(3, Arbitraries.just(new SequenceAction.Crash())));
        return firstReleaseThen(any);
    }

    private static Arbitrary<SequenceAction> applies() {
        return applies(2);
    }

    /** Releases whose lowest schema version is the newest readable one minus one, plus 0..{@code maxLowOffset}. */
    private static Arbitrary<SequenceAction> applies(int maxLowOffset) {
        return Combinators.combine(
                        Arbitraries.integers().between(0, maxLowOffset).withDistribution(RandomDistribution.uniform()),
                        Arbitraries.integers().between(0, 2).withDistribution(RandomDistribution.uniform()),
                        Arbitraries.frequency(Tuple.of(7, true), Tuple.of(3, false)),
                        Arbitraries.frequency(Tuple.of(15, true), Tuple.of(85, false)))
                .as(SequenceAction.Apply::new);
    }

    /** The first release reads schema 1, so that it deploys (unless it never becomes ready). */
    private static Arbitrary<List<SequenceAction>> firstReleaseThen(Arbitrary<SequenceAction> rest) {
        return Combinators.combine(applies(1), rest.list().ofMaxSize(11)).as((first, more) -> {
            List<SequenceAction> all = new ArrayList<>();
            all.add(first);
            all.addAll(more);
            return all;
        });
    }
}
