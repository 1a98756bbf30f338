package dev.slipway.server;

/**
 * The audit's actor for an authenticated caller, with what the client says about itself kept apart: the
 * authentication ("api-token", "dashboard") is what the server knows; a name in a request header is only what the
 * client claims, so it is recorded as a labelled claim, stripped of control characters and bounded in length, and can
 * never pass for another kind of caller.
 */
final class ClaimedActor {
    private ClaimedActor() {
    }

    /** {@code authenticated}, or {@code "authenticated (claims: NAME)"} when the client named itself. */
    static String label(String authenticated, String claimed, int maxClaimLength) {
        if (claimed == null) {
            return authenticated;
        }
        String stripped = claimed.strip();
        StringBuilder clean = new StringBuilder();
        stripped.codePoints()
                .map(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT ? ' ' : c)
                .limit(maxClaimLength)
                .forEach(clean::appendCodePoint);
        String name = clean.toString().strip();
        if (stripped.codePointCount(0, stripped.length()) > maxClaimLength) {
            name = name + "…";
        }
        return name.isEmpty() ? authenticated : authenticated + " (claims: " + name + ")";
    }
}
