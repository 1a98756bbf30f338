package dev.slipway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;


/** The {@code slipway} command line: one picocli class per command group. */
@Command(name = "slipway", mixinStandardHelpOptions = true, versionProvider = SlipwayCommand.Version.class,
        description = {"Progressive delivery for stateful services: the binary rolls out progressively, the",
                "schema changes through expand/contract migrations, and the two never move together."},
        subcommands = {DemoCommand.class, UpCommand.class, ApplyCommand.class, LintCommand.class, StatusCommand.class,
                RolloutCommand.class, DashboardCommand.class, EnvCommand.class,
                SchemaCommand.class, ImageCommand.class, CommandLine.HelpCommand.class,
                picocli.AutoComplete.GenerateCompletion.class})
public final class SlipwayCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this rather than main). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with Slipway's error handling: an exception prints {@code error: <message>} and exits 1. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new SlipwayCommand());
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            line.getErr().println("error: " + exception.getMessage());
            return 1;
        });
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The version baked into the jar at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return SlipwayVersion.lines();
        }
    }
}
