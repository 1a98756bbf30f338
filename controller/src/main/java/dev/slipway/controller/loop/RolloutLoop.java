package dev.slipway.controller.loop;

import dev.slipway.controller.state.ServiceState;
import dev.slipway.model.support.DaemonThreads;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The one place where a service's {@link ServiceState} changes. A single thread runs commands one at a time; each
 * reads the current state and returns the next one with what its caller gets back, so a check and the change it
 * allows see the same state. Commands are short — a check, a store transaction, a state swap: the blocking work
 * around them (starting, draining, stopping replicas, DDL) runs on the caller's thread, before or after. Any thread
 * may read a consistent snapshot with {@link #current()} at any time.
 */
public final class RolloutLoop implements AutoCloseable {
    private final AtomicReference<ServiceState> state = new AtomicReference<>(ServiceState.empty());
    private final ExecutorService thread;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Thread loopThread;
    private volatile String stoppedBecause;

    public RolloutLoop(String service) {
        this.thread = Executors.newSingleThreadExecutor(DaemonThreads.single("slipway-loop-" + service));
    }

    /** The state now; it never changes under the caller (the next change is another value). */
    public ServiceState current() {
        return state.get();
    }

    /** Called on the loop thread after each state change (e.g. to refresh the routes); must not block. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * Runs {@code command} on the loop thread and waits for it. An exception from the command reaches the caller
     * unchanged, and the state stays as it was.
     *
     * @throws IllegalStateException once the loop has stopped (the controller was closed or detached)
     */
    public <T> T run(Function<ServiceState, Change<T>> command) {
        if (Thread.currentThread() == loopThread) {
            return apply(command); // a command that asks for another runs it in place
        }
        Future<T> future;
        try {
            future = thread.submit(() -> apply(command));
        } catch (RejectedExecutionException e) {
            throw stoppedError();
        }
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the rollout loop", e);
        }
    }

    /** Replaces the state by {@code change} of it. */
    public ServiceState update(UnaryOperator<ServiceState> change) {
        return run(current -> {
            ServiceState next = change.apply(current);
            return Change.to(next, next);
        });
    }

    private <T> T apply(Function<ServiceState, Change<T>> command) {
        loopThread = Thread.currentThread();
        if (stoppedBecause != null) {
            throw stoppedError();
        }
        ServiceState before = state.get();
        Change<T> change = command.apply(before);
        if (change.next() != before) {
            state.set(change.next());
            listeners.forEach(Runnable::run);
        }
        return change.result();
    }

    private IllegalStateException stoppedError() {
        return new IllegalStateException("this controller has " + stoppedBecause);
    }

    /** From now on every command is refused; the state stays readable. */
    public void stop(String because) {
        stoppedBecause = because;
        thread.shutdownNow();
    }

    public boolean hasStopped() {
        return stoppedBecause != null;
    }

    @Override
    public void close() {
        stop("stopped");
    }
}
