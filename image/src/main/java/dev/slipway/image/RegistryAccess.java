package dev.slipway.image;

import java.util.Optional;

/**
 * How to talk to registries. Credentials come from {@code explicitCredentials} when given,
 * otherwise from the standard Docker config (~/.docker/config.json, credential helpers included).
 * Plain HTTP is used only for loopback registries and only when {@code allowInsecureRegistries}.
 */
public record RegistryAccess(Optional<RegistryCredentials> explicitCredentials, boolean allowInsecureRegistries) {

    public RegistryAccess {
        explicitCredentials = explicitCredentials == null ? Optional.empty() : explicitCredentials;
    }

    /** Docker config credentials, HTTPS only. */
    public static RegistryAccess standard() {
        return new RegistryAccess(Optional.empty(), false);
    }

    /** For a plain-HTTP registry on 127.0.0.1 / localhost (development and tests). */
    public static RegistryAccess insecureLoopback() {
        return new RegistryAccess(Optional.empty(), true);
    }

    public RegistryAccess withCredentials(RegistryCredentials credentials) {
        return new RegistryAccess(Optional.of(credentials), allowInsecureRegistries);
    }

    /** True when this registry host may be spoken to over plain HTTP. */
    boolean plainHttpAllowedFor(String registryHost) {
        return allowInsecureRegistries && isLoopback(registryHost);
    }

    static boolean isLoopback(String registryHost) {
        String host = registryHost;
        if (host.startsWith("[")) {
            host = host.substring(1, host.indexOf(']'));
        } else if (host.contains(":")) {
            host = host.substring(0, host.lastIndexOf(':'));
        }
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }
}
