package dev.slipway.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Query-string values for API paths. */
final class Queries {
    private Queries() {
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
