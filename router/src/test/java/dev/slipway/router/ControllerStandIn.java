package dev.slipway.router;

import java.nio.file.Path;

/**
 * A stand-in for the controller JVM in {@link RouterProcessTest}: spawns a router for a state directory, prints
 * {@code ready <pid>} and waits to be killed, so the test can {@code kill -9} it and check the router lives on.
 */
public final class ControllerStandIn {

    private ControllerStandIn() {
    }

    public static void main(String[] args) throws InterruptedException {
        RouterProcess router = RouterProcess.spawn(Path.of(args[0]), "127.0.0.1:0");
        System.out.println("ready " + router.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
