package dev.slipway.router;

import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorChooserFactory.EventExecutorChooser;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionPlacementProperties {

    @Test
    void aFewConnectionsShareOneLoopAndManyAreSpreadEvenly() {
        ConnectionPlacement placement = new ConnectionPlacement();
        EventExecutor[] loops = loops(2);
        EventExecutorChooser chooser = placement.newChooser(loops);

        List<EventExecutor> first = new ArrayList<>();
        for (int i = 0; i < ConnectionPlacement.PACKED; i++) {
            first.add(chooser.next());
        }
        assertThat(first).containsOnly(loops[0]);

        for (int i = ConnectionPlacement.PACKED; i < 32; i++) {
            chooser.next();
        }
        assertThat(placement.open()).containsExactly(16, 16);
    }

    @Test
    void aClosedConnectionFreesItsPlaceForTheNextOne() {
        ConnectionPlacement placement = new ConnectionPlacement();
        EventExecutor[] loops = loops(3);
        EventExecutorChooser chooser = placement.newChooser(loops);
        for (int i = 0; i < 3 * ConnectionPlacement.PACKED; i++) {
            chooser.next();
        }
        assertThat(placement.open()).containsExactly(4, 4, 4);

        placement.closed(loops[1]);
        placement.closed(loops[1]);

        assertThat(chooser.next()).isSameAs(loops[1]);
        assertThat(chooser.next()).isSameAs(loops[1]);
        assertThat(chooser.next()).isSameAs(loops[0]);
        assertThat(placement.open()).containsExactly(5, 4, 4);
    }

    /**
     * Any sequence of opens and closes: each new connection goes to the first loop under {@code PACKED}, else to
     * the first of the least busy; the counts are the connections open on each loop.
     */
    @Property(tries = 300)
    void everyConnectionGoesWhereTheRuleSaysAndIsCounted(@ForAll @IntRange(min = 1, max = 8) int loopCount,
                                                         @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 99) Integer> steps,
                                                         @ForAll long seed) {
        ConnectionPlacement placement = new ConnectionPlacement();
        EventExecutor[] loops = loops(loopCount);
        EventExecutorChooser chooser = placement.newChooser(loops);
        int[] model = new int[loopCount];
        List<Integer> open = new ArrayList<>();   // the loop of each open connection
        Random random = new Random(seed);

        for (int step : steps) {
            if (step < 60 || open.isEmpty()) {
                int expected = expectedLoop(model);
                EventExecutor chosen = chooser.next();
                assertThat(chosen).isSameAs(loops[expected]);
                model[expected]++;
                open.add(expected);
            } else {
                int loop = open.remove(random.nextInt(open.size()));
                placement.closed(loops[loop]);
                model[loop]--;
            }
            assertThat(placement.open()).containsExactly(model);
        }
    }

    private static int expectedLoop(int[] open) {
        for (int i = 0; i < open.length; i++) {
            if (open[i] < ConnectionPlacement.PACKED) {
                return i;
            }
        }
        int least = 0;
        for (int i = 1; i < open.length; i++) {
            if (open[i] < open[least]) {
                least = i;
            }
        }
        return least;
    }

    /** Event executors whose threads never start: the placement only compares them. */
    private static EventExecutor[] loops(int count) {
        EventExecutor[] loops = new EventExecutor[count];
        for (int i = 0; i < count; i++) {
            loops[i] = new DefaultEventExecutor();
        }
        return loops;
    }
}
