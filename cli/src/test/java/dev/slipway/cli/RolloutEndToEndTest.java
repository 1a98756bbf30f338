package dev.slipway.cli;

import dev.slipway.runtime.Replica;
import dev.slipway.runtime.Runtime;
import dev.slipway.runtime.local.LocalRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** {@link RolloutScenarios} on the local runtime: every replica of the orders service is a child process. */
class RolloutEndToEndTest extends RolloutFailureScenarios {

    @Override
    Runtime newRuntime(Path stateDirectory) {
        return new LocalRuntime(stateDirectory);
    }

    @Override
    void crash(Runtime runtime) {
        ((LocalRuntime) runtime).detach();
    }

    @Override
    void kill(Replica replica) {
        long pid = ((LocalRuntime) runtime).processId(replica).orElseThrow();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    }

    @Override
    String command(String jar) {
        return "[java, -Xmx64m, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -jar, \""
                + home.resolve("examples/orders/target/" + jar) + "\"]";
    }

    /** The local runtime describes every process it runs in {@code run/<replica>.properties}, until it ends it. */
    @Override
    int runningOnTheMachine(Path stateDirectory) {
        try (Stream<Path> described = Files.list(stateDirectory.resolve("run"))) {
            return (int) described.filter(file -> file.toString().endsWith(".properties")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
