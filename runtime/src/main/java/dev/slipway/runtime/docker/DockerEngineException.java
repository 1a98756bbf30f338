package dev.slipway.runtime.docker;

/** A Docker Engine API call failed; the message says which call, on what, and the engine's own words. */
public final class DockerEngineException extends RuntimeException {
    private final boolean notFound;

    public DockerEngineException(String message, boolean notFound, Throwable cause) {
        super(message, cause);
        this.notFound = notFound;
    }

    /** The engine answered 404: no such container or image. */
    public boolean notFound() {
        return notFound;
    }
}
