package dev.slipway.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may use the dashboard: one-time login codes (what {@code slipway dashboard} puts in its link) and the
 * browser sessions they grant. A code works once and only for a few minutes; a session lives until it has been
 * idle for {@link #SESSION_IDLE} or the controller stops. Only SHA-256 digests of codes and session ids are kept,
 * so a lookup's timing says nothing about the secret, and a heap dump holds no usable credential.
 */
final class DashboardSessions {
    static final Duration CODE_LIFETIME = Duration.ofMinutes(5);
    static final Duration SESSION_IDLE = Duration.ofHours(12);
    /** A stray script asking for links forever must not grow the map without bound. */
    private static final int MAX_PENDING_CODES = 64;
    private static final int MAX_SESSIONS = 256;

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Map<String, Instant> codes = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    DashboardSessions(Clock clock) {
        this.clock = clock;
    }

    /** A browser session: its CSRF token is echoed by the page on every action (header {@code X-Slipway-CSRF}). */
    record Session(String csrfToken, Instant lastSeen) {
    }

    /** A fresh one-time code, valid for {@link #CODE_LIFETIME}. */
    synchronized String newCode() {
        purgeExpired();
        if (codes.size() >= MAX_PENDING_CODES) {
            throw new IllegalStateException("too many unused login links (" + codes.size() + "); wait "
                    + CODE_LIFETIME.toMinutes() + " minutes for them to expire");
        }
        String code = secret();
        codes.put(digest(code), clock.instant().plus(CODE_LIFETIME));
        return code;
    }

    /**
     * Exchanges a code for a new session id; empty when the code is unknown, used or expired. The code is gone
     * afterwards whatever the outcome, so a link that leaked after use is worthless.
     */
    synchronized Optional<String> redeem(String code) {
        Instant expires = code == null ? null : codes.remove(digest(code));
        if (expires == null || clock.instant().isAfter(expires)) {
            return Optional.empty();
        }
        purgeExpired();
        if (sessions.size() >= MAX_SESSIONS) {
            // the least recently used session makes room: an old tab logs out rather than a new login failing
            sessions.entrySet().stream().min(Map.Entry.comparingByValue(
                            java.util.Comparator.comparing(Session::lastSeen)))
                    .ifPresent(oldest -> sessions.remove(oldest.getKey()));
        }
        String id = secret();
        sessions.put(digest(id), new Session(secret(), clock.instant()));
        return Optional.of(id);
    }

    /** The live session with this id (refreshing its idle time), or empty. */
    Optional<Session> session(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        String key = digest(id);
        Instant now = clock.instant();
        Session found = sessions.computeIfPresent(key, (k, session) ->
                now.isAfter(session.lastSeen().plus(SESSION_IDLE)) ? null : new Session(session.csrfToken(), now));
        return Optional.ofNullable(found);
    }

    void end(String id) {
        if (id != null) {
            sessions.remove(digest(id));
        }
    }

    /** Whether {@code presented} is the session's CSRF token, compared in constant time. */
    static boolean csrfMatches(Session session, String presented) {
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                session.csrfToken().getBytes(StandardCharsets.UTF_8));
    }

    private void purgeExpired() {
        Instant now = clock.instant();
        codes.values().removeIf(now::isAfter);
        sessions.values().removeIf(session -> now.isAfter(session.lastSeen().plus(SESSION_IDLE)));
    }

    private String secret() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String digest(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
