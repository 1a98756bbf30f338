package dev.slipway.runtime.docker;

import dev.slipway.model.RunSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageCommandTest {

    @Test
    void theFirstItemNamesTheImageAndTheRestReplacesItsCmd() {
        ImageCommand command = ImageCommand.of("orders", "1.4.0",
                run("image:registry.example:5000/orders:1.4.0", "java", "-jar", "/app/orders.jar"));

        assertThat(command.image()).isEqualTo("registry.example:5000/orders:1.4.0");
        assertThat(command.arguments()).containsExactly("java", "-jar", "/app/orders.jar");
    }

    @Test
    void anImageAloneRunsItsOwnCmd() {
        ImageCommand command = ImageCommand.of("orders", "1.4.0", run("image:orders@sha256:0f3c"));

        assertThat(command.image()).isEqualTo("orders@sha256:0f3c");
        assertThat(command.arguments()).isEmpty();
    }

    @Test
    void aHostCommandIsRefusedWithTheExpectedForm() {
        assertThatThrownBy(() -> ImageCommand.of("orders", "1.4.0", run("java", "-jar", "orders.jar")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("orders 1.4.0: the docker and swarm runtimes need run.command[0] to name the image as "
                        + "'image:<reference>' (e.g. [\"image:orders:1.4.0\", \"--verbose\"]), found 'java'");
    }

    @Test
    void anEmptyReferenceIsRefused() {
        assertThatThrownBy(() -> ImageCommand.of("orders", "1.4.0", run("image:")))
                .hasMessage("orders 1.4.0: run.command[0] 'image:' is not an image reference");
        assertThatThrownBy(() -> ImageCommand.of("orders", "1.4.0", run("image:orders 1.4.0")))
                .hasMessageContaining("is not an image reference");
    }

    private static RunSpec run(String... command) {
        return new RunSpec(List.of(command), Map.of());
    }
}
