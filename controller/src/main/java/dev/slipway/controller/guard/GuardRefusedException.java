package dev.slipway.controller.guard;

/** An action the compatibility guard refused; nothing was changed. */
public class GuardRefusedException extends RuntimeException {
    private final GuardDecision decision;

    public GuardRefusedException(GuardDecision decision) {
        super(decision.message());
        this.decision = decision;
    }

    public GuardDecision decision() {
        return decision;
    }
}
