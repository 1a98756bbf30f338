package dev.slipway.schema;

import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * Where a schema stands: {@code state} is the set of versions readable right now ({1}, {1, 2} while 2 is expanded,
 * {2} after complete), {@code inFlight} the started migration if any, {@code history} oldest first.
 */
public record SchemaStatus(String schema, SortedSet<Integer> state, Optional<InFlight> inFlight,
                           List<AppliedMigration> history) {
}
