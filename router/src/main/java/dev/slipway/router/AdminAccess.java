package dev.slipway.router;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may change the router through its admin port ({@code PUT /routes}, {@code POST /drain}). Reads
 * ({@code GET /metrics}, {@code /routes}, {@code /healthz}) stay open so Prometheus can scrape them.
 *
 * @param mutable     false for a router driven in-process: its owner calls {@link TrafficRouter} directly,
 *                    so nobody on the network may change it
 * @param bearerToken the token callers must present as {@code Authorization: Bearer <token>}; null means
 *                    mutations need no token (only for a standalone router started without a token file)
 */
record AdminAccess(boolean mutable, String bearerToken) {

    static AdminAccess readOnly() {
        return new AdminAccess(false, null);
    }

    static AdminAccess open() {
        return new AdminAccess(true, null);
    }

    static AdminAccess bearer(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the admin token is empty");
        }
        return new AdminAccess(true, token);
    }

    /** Whether an {@code Authorization} header value grants mutation; compares in constant time. */
    boolean authorizes(String authorizationHeader) {
        if (bearerToken == null) {
            return true;
        }
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
            return false;
        }
        byte[] presented = authorizationHeader.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, bearerToken.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        // Never print the token: configs end up in logs.
        return mutable ? (bearerToken == null ? "open" : "bearer token") : "read-only";
    }
}
