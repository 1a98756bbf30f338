package dev.slipway.model;

import java.util.Optional;

/**
 * A service as described in {@code slipway.yaml}: its database, where revisions run,
 * where the router listens and the release that should be running.
 *
 * @param databaseUrl {@code embedded} or a {@code jdbc:postgresql://} URL
 * @param schemaName  the PostgreSQL schema that holds the service's tables (versions are {@code <schema>_v<N>})
 * @param routerListen host:port of the built-in router; port 0 picks a free one
 * @param routerPreview host:port of the router's preview listener, where everything goes to the release waiting
 *                      for promotion (blue-green); empty when the service has none
 * @param databasePasswordFile a file (relative to the spec's directory) whose first line is the database password,
 *                             so that it need not be in the URL; empty: the URL's password, or PGPASSWORD
 */
public record ServiceSpec(String service, String databaseUrl, String schemaName, String runtime,
                          String routerListen, Optional<String> routerPreview, ReleaseSpec release,
                          Optional<String> databasePasswordFile) {
    public ServiceSpec {
        routerPreview = routerPreview == null ? Optional.empty() : routerPreview;
        databasePasswordFile = databasePasswordFile == null ? Optional.empty() : databasePasswordFile;
    }
}
