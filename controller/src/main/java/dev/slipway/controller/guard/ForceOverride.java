package dev.slipway.controller.guard;

import java.nio.file.Path;

/**
 * Permission to run an action the guard refuses, granted only with a backup to return to. Every use is written
 * to the audit history with the backup's path and checksum.
 */
public record ForceOverride(Path backup, String sha256, String reason) {
    public ForceOverride {
        if (backup == null || sha256 == null || sha256.isBlank()) {
            throw new IllegalArgumentException("--force needs a backup: pass --backup <file> or let Slipway take one");
        }
    }

    public String describe() {
        return "backup " + backup + " (sha256 " + sha256 + ")" + (reason == null || reason.isBlank() ? "" : ", reason: " + reason);
    }
}
