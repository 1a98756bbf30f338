package dev.slipway.image;

import java.util.Objects;

/** A registry user name and password (or token), given explicitly rather than from ~/.docker/config.json. */
public record RegistryCredentials(String username, String password) {
    public RegistryCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "RegistryCredentials[username=" + username + ", password=***]";
    }
}
