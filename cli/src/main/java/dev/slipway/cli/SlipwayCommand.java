package dev.slipway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The {@code slipway} command line: one picocli class per command group. */
@Command(name = "slipway", mixinStandardHelpOptions = true, versionProvider = SlipwayCommand.Version.class,
        description = {"Progressive delivery for stateful services: the binary rolls out progressively, the",
                "schema changes through expand/contract migrations, and the two never move together."},
        subcommands = {DemoCommand.class, UpCommand.class, ApplyCommand.class, LintCommand.class, StatusCommand.class,
                RolloutCommand.class, EnvCommand.class,
                SchemaCommand.class, ImageCommand.class, CommandLine.HelpCommand.class})
public final class SlipwayCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this rather than main). */
    public static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new SlipwayCommand());
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            line.getErr().println("error: " + exception.getMessage());
            return 1;
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The version baked into the jar at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = SlipwayCommand.class.getResourceAsStream("/slipway-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {"slipway " + properties.getProperty("version", "unknown"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
