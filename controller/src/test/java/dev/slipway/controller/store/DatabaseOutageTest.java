package dev.slipway.controller.store;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseOutageTest {
    private static final SQLException REFUSED = new SQLException("Connection to 127.0.0.1:5432 refused", "08001");
    private static final SQLException DUPLICATE = new SQLException("duplicate key", "23505");

    @Test
    void aLostConnectionOrAServerShuttingDownIsAnOutageWhereverItIsInTheCauses() {
        assertThat(DatabaseOutage.of(new StoreException("cannot save rollout", REFUSED)))
                .contains("Connection to 127.0.0.1:5432 refused");
        assertThat(DatabaseOutage.of(new RuntimeException(new SQLException("terminating", "57P01")))).isPresent();
        assertThat(DatabaseOutage.of(new StoreException("cannot save rollout", DUPLICATE))).isEmpty();
        assertThat(DatabaseOutage.of(new IllegalStateException("no rollout"))).isEmpty();
    }

    @Test
    void waitingOutAnOutageCallsAgainUntilTheDatabaseAnswersAndSaysWhenItBeganAndEnded() {
        AtomicInteger calls = new AtomicInteger();
        List<String> told = new ArrayList<>();
        String result = DatabaseOutage.waitOut(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new StoreException("cannot save rollout", REFUSED);
            }
            return "saved";
        }, () -> false, new DatabaseOutage.Report() {
            @Override
            public void began(String why) {
                told.add("began: " + why);
            }

            @Override
            public void ended() {
                told.add("ended");
            }
        });
        assertThat(result).isEqualTo("saved");
        assertThat(calls).hasValue(3);
        assertThat(told).containsExactly("began: Connection to 127.0.0.1:5432 refused", "ended");
    }

    @Test
    void anyOtherFailureOrAnOutageOnceTheCallerGivesUpIsThrownAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> DatabaseOutage.waitOut(() -> {
            calls.incrementAndGet();
            throw new StoreException("cannot save rollout", DUPLICATE);
        }, () -> false, new DatabaseOutage.Report() { })).hasMessage("cannot save rollout");
        assertThat(calls).hasValue(1);

        assertThatThrownBy(() -> DatabaseOutage.waitOut(() -> {
            throw new StoreException("cannot save rollout", REFUSED);
        }, () -> true, new DatabaseOutage.Report() { })).hasCause(REFUSED);
    }
}
