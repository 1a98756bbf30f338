package dev.slipway.cli;

import dev.slipway.cli.demo.Demo;
import dev.slipway.cli.demo.DemoResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code slipway demo}: the main job end to end on the embedded default. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs the main job end to end: embedded PostgreSQL, the orders sample service behind the",
                "built-in router under steady load, expand migration 1 -> 2, canary 1.0.0 -> 2.0.0 with analysis,",
                "contract, a refused undo, then a faulty 3.0.0 canary rolled back automatically.",
                "Exits 0 only if no request failed except those answered by 3.0.0 as canary and no row is missing."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "Halve the pauses between canary steps.")
    boolean quick;

    @Option(names = "--rate", defaultValue = "80", description = "Client requests per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--db", defaultValue = "embedded", paramLabel = "JDBC_URL",
            description = "PostgreSQL server: 'embedded' (default) or jdbc:postgresql://host:port/db?user=..; "
                    + "the demo creates (and replaces) a database named slipway_demo there.")
    String database;

    @Option(names = "--db-password-file", paramLabel = "FILE",
            description = "With --db: a file whose first line is the password (PGPASSWORD works too; a password= in "
                    + "the URL is visible to other users in the process list).")
    Path passwordFile;

    @Option(names = "--state-dir", defaultValue = ".slipway", paramLabel = "DIR",
            description = "Where data, logs and process state live (default: ${DEFAULT-VALUE}).")
    Path stateDirectory;

    @Override
    public Integer call() throws Exception {
        if (rate < 1 || rate > 2000) {
            throw new IllegalArgumentException("--rate " + rate + " is out of range (1..2000)");
        }
        Path home = Path.of(System.getProperty("slipway.home", ".")).toAbsolutePath().normalize();
        Demo demo = new Demo(new Demo.Options(home, stateDirectory.toAbsolutePath(), database,
                PasswordSource.commandLine(passwordFile), quick, rate, System.out,
                System.console() != null));
        Thread stopOnInterrupt = new Thread(demo::close, "slipway-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnInterrupt);
        try {
            DemoResult result = demo.run();
            Demo.print(result, System.out);
            return result.success() ? 0 : 1;
        } finally {
            demo.close();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnInterrupt);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running: it closes the same things
            }
        }
    }
}
