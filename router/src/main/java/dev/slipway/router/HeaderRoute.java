package dev.slipway.router;

/** Requests whose header {@code name} equals {@code value} go to {@code revision}, whatever the weights. */
public record HeaderRoute(String name, String value, String revision) {
}
