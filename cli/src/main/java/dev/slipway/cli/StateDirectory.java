package dev.slipway.cli;

import dev.slipway.model.support.OwnerOnly;

import java.nio.file.Path;

/**
 * The state directory ({@code .slipway/}) holds the database, its password, the API token, replica environments
 * (with database credentials), logs and backups: it and everything in it are for its owner only.
 */
public final class StateDirectory {
    private StateDirectory() {
    }

    /**
     * Creates the state directory and its {@code logs/} with mode 0700, or tightens them, and makes Slipway's own log
     * ({@code logs/slipway.log}, which the logging library may already have created with default permissions) 0600.
     */
    public static void prepare(Path state) {
        OwnerOnly.directory(state);
        OwnerOnly.file(OwnerOnly.directory(state.resolve("logs")).resolve("slipway.log"));
    }
}
