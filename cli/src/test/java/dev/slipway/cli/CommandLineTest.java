package dev.slipway.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CommandLineTest {

    @Test
    void everyCommandAnswersHelp() {
        List<List<String>> commands = new ArrayList<>();
        collect(new CommandLine(new SlipwayCommand()), new ArrayList<>(), commands);
        assertThat(commands).extracting(c -> String.join(" ", c)).contains("demo", "schema", "schema start");
        for (List<String> command : commands) {
            StringWriter out = new StringWriter();
            CommandLine line = new CommandLine(new SlipwayCommand());
            line.setOut(new PrintWriter(out));
            List<String> arguments = new ArrayList<>(command);
            arguments.add("--help");
            assertThat(line.execute(arguments.toArray(String[]::new))).as(String.join(" ", arguments)).isZero();
            assertThat(out.toString()).as(String.join(" ", arguments)).contains("Usage:");
        }
    }

    @Test
    void versionNamesSlipway() {
        StringWriter out = new StringWriter();
        CommandLine line = new CommandLine(new SlipwayCommand());
        line.setOut(new PrintWriter(out));
        assertThat(line.execute("--version")).isZero();
        assertThat(out.toString()).startsWith("slipway 0.1.0");
    }

    @Test
    void anUnknownCommandIsAnErrorWithASuggestion() {
        StringWriter err = new StringWriter();
        CommandLine line = new CommandLine(new SlipwayCommand());
        line.setErr(new PrintWriter(err));
        assertThat(line.execute("deploy")).isNotZero();
        assertThat(err.toString()).contains("Unmatched argument").contains("Did you mean: slipway demo");
    }

    private static void collect(CommandLine line, List<String> prefix, List<List<String>> into) {
        for (var entry : line.getSubcommands().entrySet()) {
            if (entry.getKey().equals("help")) {
                continue;
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(entry.getKey());
            into.add(path);
            collect(entry.getValue(), path, into);
        }
    }
}
