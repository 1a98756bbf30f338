package dev.slipway.controller.rollout;

import com.sun.net.httpserver.HttpServer;
import dev.slipway.analysis.MetricSample;
import dev.slipway.analysis.Verdict;
import dev.slipway.controller.PolicySpecs;
import dev.slipway.controller.event.RolloutEvent;
import dev.slipway.controller.hooks.PolicyInForce;
import dev.slipway.controller.sequence.ControllerParts;
import dev.slipway.controller.sequence.ServiceUnderTest;
import dev.slipway.controller.state.Revision;
import dev.slipway.controller.store.RolloutPhase;
import dev.slipway.controller.store.RolloutRecord;
import dev.slipway.model.AnalysisSpec;
import dev.slipway.model.CanaryStep;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.StrategySpec;
import dev.slipway.router.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.slipway.controller.sequence.ServiceUnderTest.release;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollout policy acting on real rollouts (the runner over a fake runtime and a recording router): hooks at
 * their moments, with real commands and a real HTTP call, and the progress deadline.
 */
class RolloutPolicyTest {
    private final ControllerParts parts = new ControllerParts();
    private final List<String> hookFailures = new CopyOnWriteArrayList<>();
    private final PolicyInForce policy = new PolicyInForce(Clock.systemUTC(), failed -> hookFailures.add(failed.describe()));
    private final RolloutTimers timers = new RolloutTimers("items", parts.loop, parts.fleet, parts.events);
    /** Never concludes: like a canary that gets no traffic. */
    private volatile Verdict.Outcome verdicts = Verdict.Outcome.PASS;
    private final RolloutRunner runner = new RolloutRunner("items", parts.loop, parts.fleet, parts.routes,
            revision -> new MetricSample(revision, 1000, 0, new double[0], new long[0]),
            (spec, window) -> new Verdict(verdicts, verdicts == Verdict.Outcome.PASS ? "ok" : "too few requests",
                    window.requests(), 0, 0),
            parts.store, Clock.systemUTC(), parts.events, timers, policy, parts::schemaState,
            parts.analyses);
    @TempDir
    Path directory;

    @AfterEach
    void close() {
        runner.close();
        timers.close();
        policy.close();
        parts.close();
    }

    @Test
    void aFailingPreRolloutHookEndsTheRolloutBeforeAnyReplicaStartsOrTrafficMoves() throws Exception {
        script("check.sh", "echo 'no backup today' >&2; exit 2");
        use("""
                hooks:
                  preRollout:
                    - {name: backup, command: [./check.sh]}
                """);

        RolloutRecord ended = start(release("1.1.0", 1, 1, false, false)).join();

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).isEqualTo("preRollout hook backup failed: exit code 2 (no backup today)");
        assertThat(parts.runtime.startedRevisions()).as("no replica of 1.1.0 ever started").containsExactly("1.0.0");
        assertThat(parts.router.tables()).as("no table ever sent traffic to 1.1.0").allSatisfy(table ->
                assertThat(table.backends()).noneMatch(backend -> backend.revision().equals("1.1.0")
                        && (backend.weight() > 0 || !backend.endpoints().isEmpty())));
        assertThat(hookFailures).hasSize(1);
    }

    @Test
    void aFailingPrePromotionGateAbortsAndStableKeepsTheTraffic() throws Exception {
        script("gate.sh", "exit 1");
        use("""
                hooks:
                  prePromotion:
                    - {name: smoke, command: [./gate.sh]}
                  postPromotion:
                    - {name: never, command: [./never.sh]}
                """);

        RolloutRecord ended = start(release("1.1.0", 1, 1, false, false)).join();

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).isEqualTo("prePromotion hook smoke failed: exit code 1");
        assertThat(parts.loop.current().stable()).map(Revision::version).contains("1.0.0");
        assertThat(parts.router.routes().backends()).singleElement().extracting(Backend::revision).isEqualTo("1.0.0");
    }

    @Test
    void anOnAbortHookIsCalledOnceAllTrafficIsBackOnStableWithTheReason() throws Exception {
        List<List<String>> routedWhenCalled = new CopyOnWriteArrayList<>();
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            routedWhenCalled.add(parts.router.routes().backends().stream().filter(backend -> backend.weight() > 0)
                    .map(Backend::revision).toList());
            bodies.add(new String(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            use("hooks:\n  onAbort:\n    - http: {url: http://127.0.0.1:" + receiver.getAddress().getPort() + "/undo}\n");
            CompletableFuture<RolloutRecord> ended = start(release("1.1.0", 1, 1, true, false));
            awaitPhase(RolloutPhase.PAUSED);
            parts.loop.update(state -> state.withRequests(requests -> requests.stopped("aborted by test")));

            assertThat(ended.join().phase()).isEqualTo(RolloutPhase.ABORTED);
            ServiceUnderTest.await("the on-abort hook was called", Duration.ofSeconds(10), () -> !bodies.isEmpty());
            assertThat(routedWhenCalled).containsExactly(List.of("1.0.0"));
            assertThat(bodies.get(0)).contains("\"moment\":\"onAbort\"").contains("\"reason\":\"aborted by test\"")
                    .contains("\"to\":\"1.1.0\"");
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void aRolloutWithoutProgressForItsDeadlineIsAbortedWithTheReason() {
        verdicts = Verdict.Outcome.INCONCLUSIVE;
        use("progressDeadline: {after: 1s, action: abort}\n");

        RolloutRecord ended = start(analysing("1.1.0")).join();

        assertThat(ended.phase()).isEqualTo(RolloutPhase.ABORTED);
        assertThat(ended.message()).startsWith("progress deadline exceeded: no progress for 1s since ");
        assertThat(parts.emitted).filteredOn(RolloutEvent.ProgressDeadlinePassed.class::isInstance).hasSize(1);
        assertThat(parts.loop.current().stable()).map(Revision::version).contains("1.0.0");
    }

    @Test
    void aDeadlineThatPausesWaitsForAPromoteWithTheReasonInStatus() {
        verdicts = Verdict.Outcome.INCONCLUSIVE;
        use("progressDeadline: {after: 1s, action: pause}\n");

        CompletableFuture<RolloutRecord> ended = start(analysing("1.1.0"));
        awaitPhase(RolloutPhase.PAUSED);
        assertThat(parts.store.latestRollout("items").orElseThrow().message()).contains("progress deadline exceeded");

        verdicts = Verdict.Outcome.PASS;
        parts.loop.update(state -> state.withRequests(requests -> requests.promoted(false)));
        assertThat(ended.join().phase()).isEqualTo(RolloutPhase.PROMOTED);
    }

    /** A canary whose analysis waits up to an hour for enough requests. */
    private static ReleaseSpec analysing(String version) {
        ReleaseSpec base = release(version, 1, 1, false, false);
        return base.withStrategy(new StrategySpec.Canary(List.of(new CanaryStep.SetWeight(20),
                new CanaryStep.Analysis(new AnalysisSpec(0.01, Optional.empty(), 100, Duration.ofHours(1))),
                new CanaryStep.SetWeight(100))));
    }

    private void use(String sections) {
        policy.use(PolicySpecs.parse(sections), directory, Map.<String, String>of()::get);
    }

    private void script(String name, String body) throws Exception {
        Path file = directory.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }

    private CompletableFuture<RolloutRecord> start(ReleaseSpec release) {
        return runner.drive(parts.acceptRollout(release), "test");
    }

    private void awaitPhase(RolloutPhase phase) {
        ServiceUnderTest.await("the rollout is " + phase, Duration.ofSeconds(20), () ->
                parts.store.latestRollout("items").orElseThrow().phase() == phase);
    }
}
