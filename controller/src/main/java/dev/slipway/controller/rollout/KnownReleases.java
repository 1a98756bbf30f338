package dev.slipway.controller.rollout;

import dev.slipway.controller.store.Store;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.model.SpecWriter;

import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The releases of a service this controller has run or been asked to run, by version: kept in the store, so that a
 * restarted controller knows how to run the revisions it adopts and what an undo goes back to.
 */
public final class KnownReleases {
    private final String service;
    private final Store store;
    private final Map<String, ReleaseSpec> known = new ConcurrentHashMap<>();

    public KnownReleases(String service, Store store) {
        this.service = service;
        this.store = store;
    }

    /** Stores how to run {@code release} (one transaction). */
    public void remember(ReleaseSpec release) {
        store.saveRelease(service, release.version(), SpecWriter.release(release));
        known.put(release.version(), release);
    }

    public Optional<ReleaseSpec> find(String version) {
        ReleaseSpec cached = known.get(version);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<ReleaseSpec> stored = store.release(service, version)
                .map(yaml -> SpecParser.parseRelease("stored release " + version, yaml));
        stored.ifPresent(release -> known.put(version, release));
        return stored;
    }

    /** The versions seen by this controller so far, for messages. */
    public SortedSet<String> versionsSeen() {
        return new TreeSet<>(known.keySet());
    }
}
