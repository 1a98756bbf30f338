package dev.slipway.model.support;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ThreadFactory;

import static org.assertj.core.api.Assertions.assertThat;

class DaemonThreadsTest {

    @Test
    void threadsAreDaemonsNamedAfterTheirWork() {
        ThreadFactory numbered = DaemonThreads.named("slipway-probe");
        Thread first = numbered.newThread(() -> { });
        Thread second = numbered.newThread(() -> { });
        Thread only = DaemonThreads.single("slipway-loop-items").newThread(() -> { });

        assertThat(first.getName()).isEqualTo("slipway-probe-1");
        assertThat(second.getName()).isEqualTo("slipway-probe-2");
        assertThat(only.getName()).isEqualTo("slipway-loop-items");
        assertThat(first.isDaemon() && second.isDaemon() && only.isDaemon()).isTrue();
    }
}
