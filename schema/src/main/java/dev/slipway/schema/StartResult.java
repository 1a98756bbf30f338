package dev.slipway.schema;

import java.time.Duration;
import java.util.SortedSet;

/** What {@code start} (or {@code resume}) achieved: the schema state afterwards and the rows backfilled. */
public record StartResult(int version, String name, SortedSet<Integer> state, long backfilledRows, Duration duration) {
}
