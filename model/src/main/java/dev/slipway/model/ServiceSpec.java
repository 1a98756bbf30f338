package dev.slipway.model;

/**
 * A service as described in {@code slipway.yaml}: its database, where revisions run,
 * where the router listens and the release that should be running.
 *
 * @param databaseUrl {@code embedded} or a {@code jdbc:postgresql://} URL
 * @param schemaName  the PostgreSQL schema that holds the service's tables (versions are {@code <schema>_v<N>})
 * @param routerListen host:port of the built-in router; port 0 picks a free one
 */
public record ServiceSpec(String service, String databaseUrl, String schemaName, String runtime,
                          String routerListen, ReleaseSpec release) {
}
