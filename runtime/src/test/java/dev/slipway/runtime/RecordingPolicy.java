package dev.slipway.runtime;

import java.util.List;
import java.util.function.Consumer;

/** A restart policy for runtime tests: one restart at a time; drains through {@code drain} and keeps what is reported. */
public record RecordingPolicy(List<String> problems, Consumer<Replica> drain) implements RestartPolicy {
    @Override
    public int maxRestarting(Replica replica) {
        return 1;
    }

    @Override
    public void drain(Replica replica) {
        drain.accept(replica);
    }

    @Override
    public void report(Replica replica, String problem) {
        problems.add(problem);
    }
}
