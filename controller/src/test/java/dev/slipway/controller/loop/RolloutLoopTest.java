package dev.slipway.controller.loop;

import dev.slipway.controller.state.ServiceState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RolloutLoopTest {
    private final RolloutLoop loop = new RolloutLoop("items");

    @AfterEach
    void stop() {
        loop.close();
    }

    @Test
    void commandsFromManyThreadsRunOneAtATimeAndEachSeesTheStateTheOneBeforeLeft() {
        List<CompletableFuture<Integer>> increments = IntStream.range(0, 200).mapToObj(i -> CompletableFuture.supplyAsync(
                () -> loop.run(state -> Change.to(state.withCanaryWeight(state.canaryWeight() + 1),
                        state.canaryWeight())))).toList();

        List<Integer> seen = new ArrayList<>(increments.stream().map(CompletableFuture::join).toList());
        seen.sort(Integer::compareTo);

        assertThat(seen).isEqualTo(IntStream.range(0, 200).boxed().toList());
        assertThat(loop.current().canaryWeight()).isEqualTo(200);
    }

    @Test
    void aCommandThatFailsChangesNothingAndItsCallerGetsTheFailure() {
        loop.update(state -> state.withCanaryWeight(10));

        assertThatThrownBy(() -> loop.run(state -> {
            throw new IllegalArgumentException("no");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("no");
        assertThat(loop.current().canaryWeight()).isEqualTo(10);
    }

    @Test
    void listenersHearOfChangesOnly() {
        AtomicInteger heard = new AtomicInteger();
        loop.onChange(heard::incrementAndGet);

        loop.update(state -> state.withCanaryWeight(5));
        loop.run(state -> Change.none(state, "just reading"));

        assertThat(heard).hasValue(1);
    }

    @Test
    void aCommandMayRunAnotherInPlace() {
        int inner = loop.run(state -> Change.none(state, loop.run(again -> Change.none(again, 42))));

        assertThat(inner).isEqualTo(42);
    }

    @Test
    void aStoppedLoopRefusesCommandsAndKeepsItsLastState() {
        ServiceState last = loop.update(state -> state.withCanaryWeight(7));
        loop.stop("been detached");

        assertThatThrownBy(() -> loop.update(state -> state.withCanaryWeight(8)))
                .hasMessage("this controller has been detached");
        assertThat(loop.current()).isEqualTo(last);
        assertThat(loop.hasStopped()).isTrue();
    }
}
