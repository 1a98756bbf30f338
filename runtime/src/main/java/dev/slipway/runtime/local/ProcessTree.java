package dev.slipway.runtime.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Ends a process and everything it spawned: SIGTERM to all, then SIGKILL to whatever outlives the grace period. */
final class ProcessTree {
    /** How long to wait for the kernel to deliver SIGKILL and the exit to be observed. */
    private static final Duration AFTER_KILL = Duration.ofSeconds(5);

    private ProcessTree() {
    }

    /** Blocks until the tree is gone; returns {@code true} when it exited within {@code grace}, without SIGKILL. */
    static boolean terminate(ProcessHandle root, Duration grace) {
        // Snapshot the descendants first: once the root dies they are re-parented and no longer listed.
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        tree.forEach(ProcessHandle::destroy);
        CompletableFuture<?> allExited = CompletableFuture.allOf(
                tree.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new));
        if (waitFor(allExited, grace)) {
            return true;
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        waitFor(allExited, AFTER_KILL);
        return false;
    }

    private static boolean waitFor(CompletableFuture<?> future, Duration timeout) {
        try {
            future.get(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return future.isDone();
        } catch (ExecutionException e) {
            return true;
        }
    }
}
