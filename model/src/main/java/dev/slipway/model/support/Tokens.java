package dev.slipway.model.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The bearer tokens that protect Slipway's local admin APIs: how one is made, sent and checked. A token is 32
 * random bytes, URL-safe Base64 without padding (43 characters), so it fits a header, a URL and a file alike.
 */
public final class Tokens {
    private static final String BEARER = "Bearer ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {
    }

    /** A fresh random token. */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The {@code Authorization} header value that presents {@code token}. */
    public static String bearer(String token) {
        return BEARER + token;
    }

    /**
     * Whether an {@code Authorization} header presents {@code expected} as a bearer token ("Bearer" in any case).
     * The comparison takes the same time wherever the first difference is, so the token cannot be guessed byte by
     * byte from response times.
     */
    public static boolean presents(String authorizationHeader, String expected) {
        if (authorizationHeader == null || expected == null
                || !authorizationHeader.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = authorizationHeader.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, expected.getBytes(StandardCharsets.UTF_8));
    }
}
