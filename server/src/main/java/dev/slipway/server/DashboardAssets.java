package dev.slipway.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The dashboard's page and assets, read once from the jar ({@code dev/slipway/server/dashboard/}): plain HTML,
 * CSS and JavaScript with hand-written SVG charts, so the page works offline and loads nothing from elsewhere.
 */
final class DashboardAssets {
    /** Where the assets are served: {@code /dashboard/app.js}. */
    static final String PREFIX = "/dashboard/";
    /** Only this server's own scripts and styles; no inline script, no frames, no other origin. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    private static final String RESOURCES = "/dev/slipway/server/dashboard/";
    private static final Map<String, String> TYPES = Map.of(
            "app.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    /** One asset as served. */
    record Asset(byte[] bytes, String contentType) {
    }

    private final String index;
    private final Map<String, Asset> assets;
    private final byte[] loginNeeded;
    private final byte[] loginExpired;

    private DashboardAssets(String index, Map<String, Asset> assets, byte[] loginNeeded, byte[] loginExpired) {
        this.index = index;
        this.assets = assets;
        this.loginNeeded = loginNeeded;
        this.loginExpired = loginExpired;
    }

    static DashboardAssets load() {
        Map<String, Asset> assets = new java.util.HashMap<>();
        TYPES.forEach((name, type) -> assets.put(name, new Asset(read(name), type)));
        String message = new String(read("message.html"), StandardCharsets.UTF_8);
        return new DashboardAssets(new String(read("index.html"), StandardCharsets.UTF_8), Map.copyOf(assets),
                message(message, "Log in with a link", "This dashboard needs a login link. Run "
                        + "<code>slipway dashboard</code> in the directory where <code>slipway up</code> runs and open the "
                        + "link it prints."),
                message(message, "Login link expired", "This login link was used already or has expired (links work "
                        + "once, for " + DashboardSessions.CODE_LIFETIME.toMinutes() + " minutes). Run "
                        + "<code>slipway dashboard</code> for a new one."));
    }

    /** The page, naming the service and carrying the session's CSRF token for the page's actions. */
    byte[] index(String service, String csrfToken) {
        return index.replace("{{service}}", escape(service)).replace("{{csrf}}", escape(csrfToken))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** {@code /dashboard/app.js} and the like; empty for anything else. */
    Optional<Asset> asset(String path) {
        return Optional.ofNullable(assets.get(path.substring(PREFIX.length())));
    }

    byte[] loginNeeded() {
        return loginNeeded.clone();
    }

    byte[] loginExpired() {
        return loginExpired.clone();
    }

    private static byte[] message(String template, String title, String html) {
        return template.replace("{{title}}", title).replace("{{message}}", html).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] read(String name) {
        try (InputStream in = DashboardAssets.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard asset " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
