package dev.slipway.controller;

import dev.slipway.model.ReleaseSpec;
import dev.slipway.runtime.Replica;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A release running as replicas: the stable one or the canary. */
public final class Revision {
    private final ReleaseSpec release;
    private final List<Replica> replicas = new CopyOnWriteArrayList<>();

    public Revision(ReleaseSpec release) {
        this.release = release;
    }

    public ReleaseSpec release() {
        return release;
    }

    public String version() {
        return release.version();
    }

    public List<Replica> replicas() {
        return replicas;
    }
}
