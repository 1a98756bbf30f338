package dev.slipway.examples.orders;

import ch.qos.logback.classic.LoggerContext;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The process entry shared by the three releases: configuration from the environment, SIGTERM handling. */
public final class OrdersMain {

    private static final Logger log = LoggerFactory.getLogger(OrdersMain.class);

    /** Exit status for a configuration error, as distinct from a crash. */
    private static final int CONFIGURATION_ERROR = 2;

    private OrdersMain() {
    }

    /** Starts the given release from the environment and returns; the server threads keep the JVM alive. */
    public static void run(OrdersVersion version) {
        OrdersConfig config;
        try {
            config = OrdersConfig.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            log.error("orders {}: {}", version.version(), e.getMessage());
            System.exit(CONFIGURATION_ERROR);
            return;
        }
        OrdersService service;
        try {
            service = OrdersService.start(version, config);
        } catch (IOException | RuntimeException e) {
            log.error("orders {} could not start on {}:{}: {}", version.version(), config.host(), config.port(), e.toString());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
                logging.stop();
            }
            // A JVM ended by SIGTERM exits with 143 even after a clean drain; supervisors (the
            // local runtime, Docker, Kubernetes) should see the success it was.
            Runtime.getRuntime().halt(0);
        }, "shutdown"));
    }
}
