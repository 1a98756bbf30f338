package dev.slipway.router;

import static dev.slipway.router.Http.backend;

/** A router started with a test's config, routing everything to one test upstream named "app" (revision 1.0.0). */
final class RoutedUpstream implements AutoCloseable {

    final TestUpstream upstream = TestUpstream.start("app");
    final BuiltInRouter router;

    RoutedUpstream(RouterConfig config) {
        router = BuiltInRouter.start(config);
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));
    }

    @Override
    public void close() {
        router.close();
        upstream.close();
    }
}
