package dev.slipway.controller.sequence;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The life of a controller-level sequence test: one PostgreSQL per test class, a fresh {@link ServiceUnderTest} per
 * test (set by the subclass's {@code @BeforeEach}), closed after it.
 */
public abstract class OnePostgresPerClass {
    protected static TestPostgres postgres;
    protected ServiceUnderTest service;

    @BeforeAll
    protected static void startPostgres() {
        QuietLogs.apply();
        postgres = TestPostgres.start();
    }

    @AfterAll
    protected static void stopPostgres() {
        postgres.close();
    }

    @AfterEach
    protected void closeService() {
        if (service != null) {
            service.close();
        }
    }
}
