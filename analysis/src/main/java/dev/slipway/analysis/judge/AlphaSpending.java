package dev.slipway.analysis.judge;

/**
 * Spreads one compared metric's false-positive budget over the looks of an analysis, so looking again and again
 * at a growing window does not raise the chance of failing a good canary. A statistical metric judges everything
 * since the analysis began at each of its {@code count} measurements; a fixed significance level per look would
 * let a good canary fail at any of them (up to {@code count} times the level). Instead look {@code k} of
 * {@code K} may spend {@code budget * ((k/K)^2 - ((k-1)/K)^2)}: the shares add up to the budget, so by the union
 * bound the chance that any look fails an identical release is at most {@code budget}, whatever the correlation
 * between looks. The quadratic shape (Lan-DeMets power family, rho = 2) keeps most of the budget for the late
 * looks, which see the most requests, while a large regression is still caught at the first ones.
 *
 * <p>An analysis without a count (background analysis until the rollout ends) has no last look: look {@code k}
 * spends {@code budget * 6 / (pi^2 * k^2)}, a series that adds up to the budget too.
 */
public record AlphaSpending(double budget, int plannedLooks) {
    /** An analysis that keeps measuring until it is stopped. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    public AlphaSpending {
        if (!(budget > 0 && budget < 1)) {
            throw new IllegalArgumentException("a false-positive budget must be between 0 and 1, not " + budget);
        }
        if (plannedLooks < 1) {
            throw new IllegalArgumentException("an analysis needs at least one look, not " + plannedLooks);
        }
    }

    /** The significance level of look {@code look} (1 for the first). */
    public double levelAt(int look) {
        if (look < 1) {
            throw new IllegalArgumentException("looks count from 1, not " + look);
        }
        if (plannedLooks == UNBOUNDED) {
            return budget * 6 / (Math.PI * Math.PI * look * (double) look);
        }
        if (look > plannedLooks) {
            return 0; // the budget is spent: further looks cannot fail the canary on this metric
        }
        double now = (double) look / plannedLooks;
        double before = (double) (look - 1) / plannedLooks;
        return budget * (now * now - before * before);
    }
}
