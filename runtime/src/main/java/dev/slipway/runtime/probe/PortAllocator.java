package dev.slipway.runtime.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Hands out free ports on 127.0.0.1, never one that is still held by a replica of this runtime. */
public final class PortAllocator {
    private static final int ATTEMPTS = 50;

    private final Set<Integer> inUse = new HashSet<>();

    public synchronized int allocate() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = askTheKernel();
            // The kernel may hand back a port we gave to a replica that has not bound it yet.
            if (inUse.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1 after " + ATTEMPTS + " attempts");
    }

    /** Marks a port as taken, e.g. by an adopted replica. */
    public synchronized void reserve(int port) {
        inUse.add(port);
    }

    public synchronized void release(int port) {
        inUse.remove(port);
    }

    private static int askTheKernel() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot allocate a port on 127.0.0.1: " + e.getMessage(), e);
        }
    }
}
