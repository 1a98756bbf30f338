package dev.slipway.controller.store;

import java.sql.SQLException;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Tells a database that is away (refused or lost connections, a server shutting down or starting up) from a real
 * failure of a statement. An outage ends by itself once the server is back, and the controller waits it out: the
 * store and the schema engine open a new connection for every call, so nothing needs to reconnect.
 */
public final class DatabaseOutage {
    private DatabaseOutage() {
    }

    /** The reason when {@code failure}, or one of its causes, says the server cannot be reached now. */
    public static Optional<String> of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && isOutage(sql.getSQLState())) {
                return Optional.of(sql.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Told when an outage that {@link #waitOut} waits for begins and when it ends; says nothing by default. */
    public interface Report {
        default void began(String why) {
        }

        default void ended() {
        }
    }

    /**
     * Calls {@code call} until it returns. While it fails because the database is away, waits (250 ms, doubling up
     * to 2 s) and calls it again, telling {@code report} once when the outage begins and once when it ends; any other
     * failure, or an outage once {@code giveUp} says so, is rethrown. {@code call} must be safe to repeat after a
     * failure (one statement, or one transaction).
     */
    public static <T> T waitOut(Supplier<T> call, BooleanSupplier giveUp, Report report) {
        boolean waiting = false;
        long pauseMillis = 250;
        while (true) {
            try {
                T result = call.get();
                if (waiting) {
                    report.ended();
                }
                return result;
            } catch (RuntimeException e) {
                Optional<String> outage = of(e);
                if (outage.isEmpty() || giveUp.getAsBoolean()) {
                    throw e;
                }
                if (!waiting) {
                    report.began(outage.get());
                    waiting = true;
                }
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pauseMillis = Math.min(pauseMillis * 2, 2000);
            }
        }
    }

    /**
     * Class 08, connection exceptions (08001 cannot connect, 08006 connection lost); 57P01..57P03, the server shutting
     * down, crashed or not yet accepting connections.
     */
    private static boolean isOutage(String state) {
        return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03"));
    }
}
