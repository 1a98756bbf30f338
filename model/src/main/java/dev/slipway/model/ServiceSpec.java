package dev.slipway.model;

import java.util.Optional;

/**
 * A service as described in {@code slipway.yaml}: its database, where revisions run,
 * the built-in router and the release that should be running.
 *
 * @param databaseUrl {@code embedded} or a {@code jdbc:postgresql://} URL
 * @param schemaName  the PostgreSQL schema that holds the service's tables (versions are {@code <schema>_v<N>})
 * @param router      where the built-in router listens and how it treats clients
 * @param policy      notifications, hooks and the progress deadline of its rollouts
 * @param swarm       with {@code runtime: swarm}: its manager and placement; empty for the other runtimes
 * @param databasePasswordFile a file (relative to the spec's directory) whose first line is the database password,
 *                             so that it need not be in the URL; empty: the URL's password, or PGPASSWORD
 */
public record ServiceSpec(String service, String databaseUrl, String schemaName, String runtime, RouterSpec router,
                          ReleaseSpec release, RolloutPolicy policy, Optional<SwarmSpec> swarm,
                          Optional<String> databasePasswordFile) {
    public ServiceSpec {
        router = router == null ? RouterSpec.defaults() : router;
        policy = policy == null ? RolloutPolicy.none() : policy;
        swarm = swarm == null ? Optional.empty() : swarm;
        databasePasswordFile = databasePasswordFile == null ? Optional.empty() : databasePasswordFile;
    }

    /** A service whose database password, if any, is in its URL or in PGPASSWORD. */
    public ServiceSpec(String service, String databaseUrl, String schemaName, String runtime, RouterSpec router,
                       ReleaseSpec release, RolloutPolicy policy, Optional<SwarmSpec> swarm) {
        this(service, databaseUrl, schemaName, runtime, router, release, policy, swarm, Optional.empty());
    }

    public ServiceSpec(String service, String databaseUrl, String schemaName, String runtime, RouterSpec router,
                       ReleaseSpec release) {
        this(service, databaseUrl, schemaName, runtime, router, release, RolloutPolicy.none(), Optional.empty());
    }

    /** host:port of the built-in router; port 0 picks a free one. */
    public String routerListen() {
        return router.listen();
    }

    /**
     * host:port of the router's preview listener, where everything goes to the release waiting for promotion
     * (blue-green); empty when the service has none.
     */
    public Optional<String> routerPreview() {
        return router.preview();
    }
}
