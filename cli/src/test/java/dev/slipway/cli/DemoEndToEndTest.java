package dev.slipway.cli;

import dev.slipway.cli.demo.Demo;
import dev.slipway.cli.demo.DemoResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the whole demo — embedded PostgreSQL, real orders processes, the router, client load — and checks
 * what the client and the database saw.
 */
class DemoEndToEndTest {

    @Test
    void theDemoLosesNoRequestAndNoRowAndRollsTheFaultyReleaseBack(@TempDir Path stateDirectory) throws Exception {
        Path home = Path.of(System.getProperty("slipway.home", "..")).toAbsolutePath().normalize();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        DemoResult result;
        try (Demo demo = new Demo(new Demo.Options(home, stateDirectory, "embedded", PasswordSource.commandLine(null), true, 80, out,
                false))) {
            result = demo.run();
            Demo.print(result, out);
        }
        String output = printed.toString(StandardCharsets.UTF_8);
        System.out.println(output);

        assertThat(result.unexpectedFailures()).as("failed requests not caused by the faulty canary").isEmpty();
        assertThat(result.missingRows()).as("rows the service confirmed but the database lacks").isEmpty();
        assertThat(result.customersWritten()).isGreaterThan(100);
        assertThat(result.customersPresent()).isEqualTo(result.customersWritten());
        assertThat(result.ordersPresent()).isEqualTo(result.ordersWritten());
        assertThat(result.requestsSent()).as("80 requests/s for the whole demo").isGreaterThan(1000);
        assertThat(result.goodRollout()).startsWith("PROMOTED");
        assertThat(result.faultyRollout()).startsWith("ABORTED").contains("analysis failed");
        assertThat(result.expectedFailureCount()).as("the faulty canary really answered with errors").isPositive();
        assertThat(result.finalStable()).isEqualTo("2.0.0");
        assertThat(result.finalSchemaState()).isEqualTo(new TreeSet<>(List.of(2)));
        assertThat(result.refusal()).contains("1.0.0 reads schema [1, 1]").contains("{2}");
        assertThat(result.success()).isTrue();
        assertThat(output).contains("Timeline").contains("Summary").contains("Result: OK");
        // every process the demo started is gone, and replica logs were written
        try (Stream<Path> logs = Files.list(stateDirectory.resolve("logs"))) {
            assertThat(logs.map(p -> p.getFileName().toString())).anyMatch(name -> name.startsWith("orders-2.0.0"));
        }
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains("orders-")))
                .as("orders processes left running").isEmpty();
    }
}
