package dev.slipway.examples.orders;

import ch.qos.logback.classic.LoggerContext;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The process entry shared by the three releases: configuration from the environment, SIGTERM handling. */
public final class OrdersMain {

    private static final Logger log = LoggerFactory.getLogger(OrdersMain.class);

    /** Exit status for a configuration error, as distinct from a crash. */
    private static final int CONFIGURATION_ERROR = 2;
    /** Exit status of the crash {@code ORDERS_EXIT_AFTER} asks for. */
    private static final int CRASH = 3;

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
        crashLater(version, config, System.getenv("ORDERS_EXIT_AFTER"));
    }

    /**
     * {@code ORDERS_EXIT_AFTER=2s}: the process ends with status 3 that long after its {@code /ready} first answered
     * 200, without draining, as a release that crashes once it serves would (for the tests of crash loops); unset,
     * never.
     */
    private static void crashLater(OrdersVersion version, OrdersConfig config, String after) {
        if (after == null || after.isBlank()) {
            return;
        }
        Duration delay;
        try {
            delay = Faults.duration("ORDERS_EXIT_AFTER", after.strip());
        } catch (IllegalArgumentException e) {
            log.error("orders {}: {}", version.version(), e.getMessage());
            Runtime.getRuntime().halt(CONFIGURATION_ERROR);
            return;
        }
        URI ready = URI.create("http://" + config.host() + ":" + config.port() + "/ready");
        Thread crash = new Thread(() -> {
            try {
                while (!answersReady(ready)) {
                    Thread.sleep(100);
                }
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            log.error("orders {}: crashing with status {} as ORDERS_EXIT_AFTER={} asks", version.version(), CRASH, after);
            Runtime.getRuntime().halt(CRASH);
        }, "crash");
        crash.setDaemon(true);
        crash.start();
    }

    private static boolean answersReady(URI ready) {
        try {
            HttpURLConnection connection = (HttpURLConnection) ready.toURL().openConnection();
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(5000);
            try {
                return connection.getResponseCode() == 200;
            } finally {
                connection.disconnect();
            }
        } catch (IOException notYet) {
            return false;
        }
    }
}
