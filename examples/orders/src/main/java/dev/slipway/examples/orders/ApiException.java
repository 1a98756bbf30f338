package dev.slipway.examples.orders;

import java.util.Map;

/** A request the API refuses, with the HTTP status and the message the client sees. */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final Map<String, String> headers;

    ApiException(int status, String message) {
        this(status, message, Map.of());
    }

    ApiException(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = headers;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    int status() {
        return status;
    }

    /** Headers the response must carry, such as {@code Allow} on a 405. */
    Map<String, String> headers() {
        return headers;
    }
}
