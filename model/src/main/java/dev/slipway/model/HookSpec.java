package dev.slipway.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A hook a rollout runs at one of its moments ({@link Moment}): a command (exit 0 passes) or an HTTP call (2xx
 * passes), given the rollout's context (service, versions, schema state), and stopped after {@code timeout}.
 */
public record HookSpec(String name, Moment moment, Action action, Duration timeout, SpecPosition position) {

    /** A hook made in code rather than read from a file (tests). */
    public HookSpec(String name, Moment moment, Action action, Duration timeout) {
        this(name, moment, action, timeout, new SpecPosition("(code)", 1, 1, moment.specName() + "." + name));
    }

    /** When a hook runs, and what its failure does. */
    public enum Moment {
        /** Before any replica of the new release starts; a failure ends the rollout before traffic moves. */
        PRE_ROLLOUT("preRollout"),
        /** Before the new release takes all traffic; a failure aborts the rollout (the gate stays shut). */
        PRE_PROMOTION("prePromotion"),
        /** After the promotion; a failure is recorded, the promotion stands. */
        POST_PROMOTION("postPromotion"),
        /** After an abort, once all traffic is back on stable; a failure is recorded. */
        ON_ABORT("onAbort");

        private final String specName;

        Moment(String specName) {
            this.specName = specName;
        }

        /** The name in {@code slipway.yaml}, e.g. {@code preRollout}. */
        public String specName() {
            return specName;
        }
    }

    /** What a hook does. */
    public sealed interface Action permits Command, Http {
    }

    /**
     * Runs a command (no shell); relative paths resolve against the spec's directory. It gets the context as
     * {@code SLIPWAY_*} environment variables and as JSON on its standard input.
     */
    public record Command(List<String> command, Map<String, String> env) implements Action {
        public Command {
            command = List.copyOf(command);
            env = Map.copyOf(env);
        }
    }

    /** Sends the context as JSON with {@code method} to {@code url}. */
    public record Http(SecretText url, String method, Map<String, SecretText> headers) implements Action {
        public Http {
            headers = Map.copyOf(headers);
        }
    }
}
