package dev.slipway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code rollout status --watch}: a bar per step, for the canary's weight and for a backfill in flight. */
class WatchViewTest {

    @Test
    void aPausedCanaryWithABackfillShowsThreeBars() throws Exception {
        var snapshot = new ObjectMapper().readTree("""
                {"status": {"service": "orders", "canaryWeight": 50, "schemaState": [1, 2],
                   "stable": {"version": "1.0.0", "schema": [1, 1], "replicas": 2, "readyReplicas": 2},
                   "canary": {"version": "2.0.0", "schema": [2, 2], "replicas": 2, "readyReplicas": 2},
                   "migration": {"version": 2, "name": "split_name", "phase": "backfilling"},
                   "rollout": {"from": "1.0.0", "to": "2.0.0", "phase": "PAUSED", "step": 2, "steps": 4, "weight": 50,
                               "message": "pause 30s"}},
                 "steps": ["setWeight 20%", "setWeight 50%", "pause 30s", "setWeight 100%"],
                 "backfill": {"table": "customers", "done": 2500, "total": 10000, "rowsPerSecond": 1200,
                              "etaSeconds": 6, "running": true}}""");

        assertThat(WatchView.render(snapshot).lines()).containsExactly(
                "orders 1.0.0 -> 2.0.0  PAUSED step 2/4, canary 50%: pause 30s",
                "  steps    [████████████░░░░░░░░░░░░]  3/4  ▶ pause 30s",
                "  canary   [████████████░░░░░░░░░░░░]  50%",
                "  backfill [██████░░░░░░░░░░░░░░░░░░]  2500/10000 rows of customers · 1200 rows/s · ETA 6s",
                "  stable 1.0.0 [1, 1] 2/2 ready | canary 2.0.0 [2, 2] 2/2 ready 50% | schema {1, 2} (migration 2 backfilling)");
    }

    @Test
    void aFinishedRolloutHasNoBars() throws Exception {
        var snapshot = new ObjectMapper().readTree("""
                {"status": {"service": "orders", "canaryWeight": 0, "schemaState": [2],
                   "stable": {"version": "2.0.0", "schema": [2, 2], "replicas": 2, "readyReplicas": 2},
                   "rollout": {"from": "1.0.0", "to": "2.0.0", "phase": "PROMOTED", "step": 4, "weight": 100, "message": ""}},
                 "steps": [], "backfill": null}""");
        assertThat(WatchView.render(snapshot)).doesNotContain("█").doesNotContain("░").contains("PROMOTED");
    }
}
