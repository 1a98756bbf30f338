package dev.slipway.router;

import java.util.List;

/** The whole routing state of a service at one moment: immutable, swapped atomically. */
public record RouteTable(List<Backend> backends, List<HeaderRoute> headerRoutes) {
    public RouteTable {
        backends = List.copyOf(backends);
        headerRoutes = List.copyOf(headerRoutes);
    }

    public static RouteTable single(Backend backend) {
        return new RouteTable(List.of(backend), List.of());
    }
}
