package dev.slipway.controller.state;

import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A schema action the guard let through and that has not ended yet: the state before it and the state it leaves.
 * Replicas started meanwhile must read a version of both.
 */
public record SchemaTransition(String action, SortedSet<Integer> before, SortedSet<Integer> after) {
    public SchemaTransition {
        before = new TreeSet<>(before);
        after = new TreeSet<>(after);
    }
}
