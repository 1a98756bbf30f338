package dev.slipway.controller.loop;

import dev.slipway.controller.state.ServiceState;

/** What a loop command decided: the next state, and what its caller gets back. */
public record Change<T>(ServiceState next, T result) {

    public static <T> Change<T> to(ServiceState next, T result) {
        return new Change<>(next, result);
    }

    /** Nothing changes; the caller gets {@code result}. */
    public static <T> Change<T> none(ServiceState current, T result) {
        return new Change<>(current, result);
    }
}
