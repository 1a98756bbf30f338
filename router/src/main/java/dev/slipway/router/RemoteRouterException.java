package dev.slipway.router;

/** A {@link RemoteRouter} call failed: the router process is unreachable, refused the call or answered nonsense. */
public final class RemoteRouterException extends RuntimeException {

    private final int status;

    RemoteRouterException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status the router answered with, or 0 when no answer came (connection refused, timeout). */
    public int status() {
        return status;
    }
}
