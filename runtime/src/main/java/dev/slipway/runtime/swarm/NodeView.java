package dev.slipway.runtime.swarm;

/**
 * A Swarm node as the swarm runtime reads it.
 *
 * @param address where the router and the probes reach the replicas it runs (host networking: the node's own
 *                address): the node label {@code dev.slipway.address} when set, otherwise the address Swarm knows
 *                it by
 * @param up      Swarm considers it ready; a node whose heartbeats stopped is down, and its tasks move
 */
record NodeView(String id, String hostname, String address, boolean up) {
    /** The node label that overrides the address Swarm reports, e.g. when nodes talk to each other on another network. */
    static final String ADDRESS_LABEL = "dev.slipway.address";
}
