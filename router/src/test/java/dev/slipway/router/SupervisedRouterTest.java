package dev.slipway.router;

import dev.slipway.model.RouterSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;

/** The router process kept running: killed with SIGKILL, it comes back on the same ports with the last route table. */
class SupervisedRouterTest {

    @TempDir
    Path stateDirectory;

    private final TestUpstream stable = TestUpstream.start("stable");
    private final List<String> restarts = new CopyOnWriteArrayList<>();
    private SupervisedRouter router;

    @AfterEach
    void stopEverything() {
        if (router != null) {
            router.stop();
        }
        RouterProcess.adopt(stateDirectory).ifPresent(RouterProcess::stop);
        stable.close();
    }

    @Test
    void aKilledRouterProcessIsStartedAgainOnTheSamePortsWithTheLastTable() throws Exception {
        RouterSpec defaults = RouterSpec.defaults();
        router = SupervisedRouter.start(stateDirectory, new RouterSpec("127.0.0.1:0", Optional.empty(), defaults.admin(),
                Optional.empty(), defaults.timeouts(), defaults.maxConnections(), List.of()),
                stateDirectory.resolve("router.log"), restarts::add);
        RouteTable table = RouteTable.single(backend("1.0.0", 100, stable));
        router.route(table);
        RouterProcess first = router.process();
        Http client = new Http(router.address());
        assertThat(client.get("/").body()).isEqualTo("stable");

        ProcessHandle.of(first.pid()).orElseThrow().destroyForcibly();
        awaitRestarted(first);

        RouterProcess second = router.process();
        assertThat(second.pid()).isNotEqualTo(first.pid());
        assertThat(second.router().address()).isEqualTo(first.router().address());
        assertThat(second.router().adminAddress()).isEqualTo(first.router().adminAddress());
        assertThat(router.routes()).isEqualTo(table);
        assertThat(client.get("/").body()).isEqualTo("stable");
        assertThat(restarts).singleElement().asString().startsWith("router process " + first.pid()
                + " died; started router process " + second.pid() + " with the last route table in ");

        router.stop();
        assertThat(second.isAlive()).isFalse();
        router = null;
    }

    private void awaitRestarted(RouterProcess first) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (router.process() == first) {
            assertThat(System.nanoTime() - deadline).as("restarted within 60 s").isNegative();
            Thread.sleep(20);
        }
    }
}
