package dev.slipway.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.schema.AppliedMigration;
import dev.slipway.schema.BackfillProgress;
import dev.slipway.schema.Migration;
import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import dev.slipway.schema.SchemaStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** {@code slipway schema ...}: expand/contract migrations of one PostgreSQL schema. */
@Command(name = "schema", mixinStandardHelpOptions = true,
        description = "Expand/contract migrations: start (expand), complete (contract), rollback, status.",
        subcommands = {SchemaCommand.Init.class, SchemaCommand.Plan.class, SchemaCommand.Start.class,
                SchemaCommand.Resume.class, SchemaCommand.Complete.class, SchemaCommand.Rollback.class,
                SchemaCommand.Status.class, SchemaCommand.Url.class, SchemaCommand.Validate.class,
                SchemaCommand.Baseline.class, SchemaCommand.Repair.class, SchemaCommand.Migrate.class,
                SchemaCommand.Convert.class})
final class SchemaCommand {

    /** The options every schema command shares. */
    static final class Target {
        @Option(names = "--db", defaultValue = "embedded", paramLabel = "JDBC_URL",
                description = "PostgreSQL: 'embedded' (default; data under .slipway/postgres) or jdbc:postgresql://host:port/db")
        String database;

        @Option(names = "--db-password-file", paramLabel = "FILE",
                description = "With --db: a file whose first line is the password (instead of password= in the URL, "
                        + "which other users see in the process list; PGPASSWORD works too).")
        Path passwordFile;

        @Option(names = "--schema", defaultValue = "public", paramLabel = "NAME",
                description = "The schema holding the service's tables (default: ${DEFAULT-VALUE}).")
        String schema;

        @Option(names = "--state-dir", defaultValue = ".slipway", paramLabel = "DIR",
                description = "Where the embedded database lives (default: ${DEFAULT-VALUE}).")
        Path stateDirectory;

        /** The running controller of this state directory ({@code slipway up}), if any: actions then go through its guard. */
        java.util.Optional<ApiClient> controller() {
            var descriptor = dev.slipway.server.ApiDescriptor.read(stateDirectory);
            if (descriptor.isEmpty()) {
                return java.util.Optional.empty();
            }
            if (!database.equals("embedded")) {
                // --db used to skip the controller silently, and with it the guard: only --direct may do that.
                if (ProcessHandle.of(descriptor.get().pid()).map(ProcessHandle::isAlive).orElse(false)) {
                    throw new IllegalArgumentException("a Slipway controller (pid " + descriptor.get().pid() + ") runs "
                            + descriptor.get().service() + " here, and its guard checks every schema action: leave out "
                            + "--db to go through it, or pass --direct to bypass the guard");
                }
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(ApiClient.fromStateDirectory(stateDirectory));
        }

        <T> T withEngine(EngineAction<T> action) throws Exception {
            try (Database server = Database.openShared(database, stateDirectory, PasswordSource.commandLine(passwordFile))) {
                SchemaEngine engine = new SchemaEngine(server.dataSource(server.databaseName()), schema,
                        SchemaOptions.defaults());
                engine.init();
                return action.run(engine, server);
            }
        }
    }

    /** --direct: past the running controller, and with it past the guard. */
    static final class Direct {
        @Option(names = "--direct", description = "Talk to the database directly even when a controller runs here (skips the guard).")
        boolean direct;
    }

    /** Sends a schema action to the running controller; prints its answer. */
    static int throughController(ApiClient client, String path, byte[] body) {
        ApiClient.ApiResponse response = client.post(path, body);
        java.io.PrintWriter err = new java.io.PrintWriter(System.err, true);
        int code = ApiAnswers.exitCode(response, err);
        if (code == 0) {
            System.out.println("done through the controller (guarded); state " + response.body().path("schemaState"));
        }
        return code;
    }

    interface EngineAction<T> {
        T run(SchemaEngine engine, Database server) throws Exception;
    }

    static void progress(BackfillProgress progress) {
        System.out.printf(Locale.ROOT, "  backfill %s: %d/%d rows, %.0f rows/s, ETA %s%n", progress.table(),
                progress.done(), progress.total(), progress.rowsPerSecond(), progress.eta());
    }

    @Command(name = "init", mixinStandardHelpOptions = true, description = "Creates Slipway's history tables (idempotent).")
    static final class Init implements Callable<Integer> {
        @Mixin Target target;

        @Override
        public Integer call() throws Exception {
            return target.withEngine((engine, server) -> {
                System.out.println("schema history ready in " + server.jdbcUrl(server.databaseName()));
                return 0;
            });
        }
    }

    @Command(name = "plan", mixinStandardHelpOptions = true, description = "Prints the SQL that start would run; runs nothing.")
    static final class Plan implements Callable<Integer> {
        @Mixin Target target;
        @Parameters(paramLabel = "FILE", description = "The migration file (YAML or JSON).") Path file;

        @Override
        public Integer call() throws Exception {
            Migration migration = MigrationFile.parse(file);
            return target.withEngine((engine, server) -> {
                engine.plan(migration).forEach(statement -> System.out.println(statement.strip() + ";"));
                return 0;
            });
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Expands to the file's version: new columns and tables, sync triggers, backfill, view schema <schema>_v<N>.")
    static final class Start implements Callable<Integer> {
        @Mixin Target target;
        @Mixin ForceOptions force;
        @Mixin Direct direct;
        @Parameters(paramLabel = "FILE", description = "The migration file (YAML or JSON).") Path file;

        @Override
        public Integer call() throws Exception {
            Migration migration = MigrationFile.parse(file);
            var controller = direct.direct ? java.util.Optional.<ApiClient>empty() : target.controller();
            if (controller.isPresent()) {
                String path = force.appendTo("/api/v1/schema/start?file=" + Queries.encode(file.getFileName().toString()));
                return throughController(controller.get(), path, java.nio.file.Files.readAllBytes(file));
            }
            return target.withEngine((engine, server) -> {
                engine.start(migration, SchemaCommand::progress);
                System.out.println("started version " + migration.version() + "; state " + state(engine.status()));
                return 0;
            });
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Applies every pending file of DIR in order, one at a time: each is started and completed before"
                    + " the next; the last is left expanded unless --complete. Through a running controller every step"
                    + " passes the guard; the first refusal stops the run.")
    static final class Migrate implements Callable<Integer> {
        @Mixin Target target;
        @Mixin ForceOptions force;
        @Mixin Direct direct;
        @Parameters(paramLabel = "DIR", description = "The migrations directory.") Path directory;
        @Option(names = "--complete", description = "Complete the last migration too.") boolean completeLast;

        @Override
        public Integer call() throws Exception {
            var controller = direct.direct ? java.util.Optional.<ApiClient>empty() : target.controller();
            if (controller.isEmpty()) {
                return target.withEngine((engine, server) -> {
                    var steps = dev.slipway.schema.SchemaMigrations.of(engine, directory, SchemaCommand::progress)
                            .migrate(completeLast);
                    System.out.println(steps.isEmpty() ? "nothing to do: every migration in " + directory + " is applied"
                            : String.join(", ", steps) + "; state " + state(engine.status()));
                    return 0;
                });
            }
            // Reads go to the database, every change through the controller and its guard, one step at a time.
            record Pending(java.util.Optional<dev.slipway.schema.InFlight> inFlight, java.util.List<Migration> files) {
            }
            Pending plan = target.withEngine((engine, server) -> new Pending(engine.status().inFlight(),
                    dev.slipway.schema.SchemaMigrations.of(engine, directory, SchemaCommand::progress).pending()));
            var pending = plan.files();
            var inFlight = plan.inFlight();
            String query = force.query().isEmpty() ? "" : "&" + force.query();
            if (inFlight.isPresent() && (!pending.isEmpty() || completeLast)) {
                int code = throughController(controller.get(), "/api/v1/schema/complete?" + force.query(), new byte[0]);
                if (code != 0) return code;
            }
            for (int i = 0; i < pending.size(); i++) {
                Migration migration = pending.get(i);
                int code = throughController(controller.get(), "/api/v1/schema/start?file="
                        + Queries.encode(migration.file()) + query, migration.content().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                if (code != 0) return code;
                if (i < pending.size() - 1 || completeLast) {
                    code = throughController(controller.get(), "/api/v1/schema/complete?" + force.query(), new byte[0]);
                    if (code != 0) return code;
                }
            }
            return 0;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Turns plain DDL (FILE.sql) into a migration file on standard output; what needs an up/down"
                    + " expression is marked TODO (the file does not start until they are written).")
    static final class Convert implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The SQL file.") Path file;
        @Option(names = "--name", paramLabel = "NAME", description = "The migration's name (default: the file name).") String name;

        @Override
        public Integer call() throws Exception {
            String sql = java.nio.file.Files.readString(file);
            String fileName = file.getFileName().toString();
            System.out.print(dev.slipway.schema.SqlConverter.convert(sql,
                    name != null ? name : fileName.replaceFirst("\\.sql$", "")));
            return 0;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Finishes an interrupted start (resumes the backfill).")
    static final class Resume implements Callable<Integer> {
        @Mixin Target target;

        @Override
        public Integer call() throws Exception {
            return target.withEngine((engine, server) -> {
                engine.resume(SchemaCommand::progress);
                System.out.println("resumed; state " + state(engine.status()));
                return 0;
            });
        }
    }

    /**
     * Complete and rollback act on the migration in flight: through the running controller (whose guard
     * decides) unless --direct, else on the database itself.
     */
    private static int contractOrUndo(Target target, ForceOptions force, Direct direct, String apiPath,
                                      Consumer<SchemaEngine> action, String done) throws Exception {
        var controller = direct.direct ? java.util.Optional.<ApiClient>empty() : target.controller();
        if (controller.isPresent()) {
            return throughController(controller.get(), force.appendTo(apiPath), new byte[0]);
        }
        return target.withEngine((engine, server) -> {
            action.accept(engine);
            System.out.println(done + "; state " + state(engine.status()));
            return 0;
        });
    }

    @Command(name = "complete", mixinStandardHelpOptions = true, description = "Contracts the migration in flight.")
    static final class Complete implements Callable<Integer> {
        @Mixin Target target;
        @Mixin ForceOptions force;
        @Mixin Direct direct;

        @Override
        public Integer call() throws Exception {
            return contractOrUndo(target, force, direct, "/api/v1/schema/complete", SchemaEngine::complete, "completed");
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Undoes the start of the migration in flight.")
    static final class Rollback implements Callable<Integer> {
        @Mixin Target target;
        @Mixin ForceOptions force;
        @Mixin Direct direct;

        @Override
        public Integer call() throws Exception {
            return contractOrUndo(target, force, direct, "/api/v1/schema/rollback", SchemaEngine::rollback, "rolled back");
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Shows the schema state, the migration in flight and the history.")
    static final class Status implements Callable<Integer> {
        @Mixin Target target;
        @Mixin OutputOption output;

        @Override
        public Integer call() throws Exception {
            return target.withEngine((engine, server) -> {
                SchemaStatus status = engine.status();
                System.out.println(output.render(new ObjectMapper().readTree(toJson(status)), () -> {
                    StringBuilder text = new StringBuilder("schema " + status.schema() + ": state " + state(status));
                    status.inFlight().ifPresent(inFlight -> text.append(System.lineSeparator()).append("in flight: ")
                            .append(inFlight));
                    status.history().forEach(applied -> text.append(System.lineSeparator()).append("  ").append(applied));
                    return text.toString();
                }));
                return 0;
            });
        }
    }

    // No standard --version flag here: --version names the schema version, as users of `schema url` expect.
    @Command(name = "url", description = "Prints the JDBC URL a binary for schema version N uses.")
    static final class Url implements Callable<Integer> {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;
        @Mixin Target target;
        @Option(names = "--version", required = true, paramLabel = "N", description = "The schema version.") int version;

        @Override
        public Integer call() throws Exception {
            return target.withEngine((engine, server) -> {
                if (!engine.status().state().contains(version)) {
                    throw new IllegalArgumentException("schema version " + version + " is not readable now (state "
                            + state(engine.status()) + ")");
                }
                System.out.println(server.jdbcUrl(server.databaseName()) + "?currentSchema=" + engine.versionSchema(version));
                return 0;
            });
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Checks a migrations directory against the history: changed applied files, duplicates, gaps, the next pending one.")
    static final class Validate implements Callable<Integer> {
        @Mixin Target target;
        @Parameters(paramLabel = "DIR", description = "The migrations directory.") Path directory;

        @Override
        public Integer call() throws Exception {
            return target.withEngine((engine, server) -> {
                var problems = engine.validate(directory);
                if (problems.isEmpty()) {
                    System.out.println(directory + ": valid");
                    return 0;
                }
                problems.forEach(problem -> System.out.println(problem.file() + ": " + problem.kind() + ": " + problem.message()));
                return 1;
            });
        }
    }

    @Command(name = "baseline", mixinStandardHelpOptions = true,
            description = "Adopts an existing database: records VERSION as completed and creates <schema>_v<VERSION> from the live tables.")
    static final class Baseline implements Callable<Integer> {
        @Mixin Target target;
        @Option(names = "--version", required = true, paramLabel = "N", description = "The version the live tables are.") int version;
        @Option(names = "--description", defaultValue = "baseline", description = "Recorded in the history.") String description;
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.") boolean help;

        @Override
        public Integer call() throws Exception {
            return target.withEngine((engine, server) -> {
                SchemaStatus status = engine.baseline(version, description);
                System.out.println("baselined at version " + version + "; state " + state(status));
                return 0;
            });
        }
    }

    @Command(name = "repair", mixinStandardHelpOptions = true,
            description = "Explicitly re-records an applied migration's checksum from its current file and clears failed attempts.")
    static final class Repair implements Callable<Integer> {
        @Mixin Target target;
        @Parameters(paramLabel = "FILE", description = "The migration file as it is now.") Path file;
        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (recorded with who).") String reason;

        @Override
        public Integer call() throws Exception {
            Migration migration = MigrationFile.parse(file);
            return target.withEngine((engine, server) -> {
                System.out.println(engine.repair(migration, reason));
                return 0;
            });
        }
    }

    static String toJson(SchemaStatus status) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("schema", status.schema());
        ArrayNode state = root.putArray("state");
        status.state().forEach(state::add);
        status.inFlight().ifPresentOrElse(inFlight -> {
            ObjectNode node = root.putObject("inFlight");
            node.put("version", inFlight.version());
            node.put("name", inFlight.name());
            node.put("phase", inFlight.phase());
        }, () -> root.putNull("inFlight"));
        ArrayNode history = root.putArray("history");
        for (AppliedMigration applied : status.history()) {
            ObjectNode node = history.addObject();
            node.put("version", applied.version());
            node.put("name", applied.name());
            node.put("description", applied.description());
            node.put("checksum", applied.checksum());
            node.put("state", applied.state());
            node.put("startedAt", applied.startedAt().toString());
            node.put("completedAt", applied.completedAt().map(Object::toString).orElse(null));
            node.put("durationMillis", applied.durationMillis().orElse(null));
            node.put("appliedBy", applied.appliedBy());
            node.put("error", applied.error().orElse(null));
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    static String state(SchemaStatus status) {
        return status.state().stream().map(String::valueOf).collect(Collectors.joining(", ", "{", "}"));
    }
}
