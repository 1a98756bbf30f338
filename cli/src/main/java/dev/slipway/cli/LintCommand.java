package dev.slipway.cli;

import dev.slipway.environments.EnvironmentsParser;
import dev.slipway.environments.EnvironmentsSpec;
import dev.slipway.model.ServiceSpec;
import dev.slipway.model.SpecException;
import dev.slipway.model.SpecNode;
import dev.slipway.model.SpecParser;
import dev.slipway.schema.Migration;
import dev.slipway.schema.MigrationException;
import dev.slipway.schema.MigrationFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code slipway lint FILE...}: checks service specs, environment files and migration files offline — no controller,
 * no database, nothing written — as CI should before anything is applied (Argo Rollouts has {@code lint} too).
 */
@Command(name = "lint", mixinStandardHelpOptions = true,
        description = {"Checks slipway.yaml specs, environments.yaml files and migration files without a controller or a",
                "database, and writes nothing. A directory stands for its .yaml, .yml and .json files. Each file's kind",
                "comes from its top-level keys (operations: a migration; environments: an environments file; release: a",
                "spec; without them, its name: 002_x.yaml a migration) unless --kind says it. Prints each problem as",
                "FILE:LINE:COLUMN: ... (a migration by its file name, as the schema commands do); exits 0 when every",
                "file is valid, 1 otherwise."})
final class LintCommand implements Callable<Integer> {
    /** What a file is checked as. */
    enum Kind { spec, environments, migration }

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files or directories to check.")
    List<Path> paths;

    @Option(names = "--kind", paramLabel = "KIND", description = "Check every file as this: ${COMPLETION-CANDIDATES}.")
    Kind kind;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int invalid = 0;
        List<Path> files = files();
        for (Path file : files) {
            try {
                out.println(file + ": ok (" + check(file) + ")");
            } catch (SpecException | MigrationException | UncheckedIOException problem) {
                err.println(problem.getMessage());
                invalid++;
            }
        }
        out.println(files.size() + (files.size() == 1 ? " file: " : " files: ") + (files.size() - invalid) + " valid, "
                + invalid + " with problems");
        out.flush();
        err.flush();
        return invalid == 0 ? 0 : 1;
    }

    /** Checks one file; returns what it is, for the ok line. */
    private String check(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        switch (kind == null ? kindOf(file, text) : kind) {
            case migration -> {
                Migration migration = MigrationFile.parse(file.getFileName().toString(), bytes);
                return "migration to version " + migration.version() + ", " + migration.operations().size()
                        + " operation(s)";
            }
            case environments -> {
                EnvironmentsSpec environments = EnvironmentsParser.parse(file.toString(), text,
                        file.toAbsolutePath().getParent());
                return "environments of " + environments.service() + ": " + environments.environments().size();
            }
            default -> {
                ServiceSpec service = SpecParser.parse(file.toString(), text);
                return "spec of " + service.service() + " " + service.release().version();
            }
        }
    }

    /**
     * From the top-level keys ({@code operations}, {@code environments}, {@code release}); when none of them is there
     * or the file is no YAML mapping, from its name (a migration's starts with its version, {@code 002_split.yaml}),
     * so that the parser of what the file was meant to be says what is wrong.
     */
    private static Kind kindOf(Path file, String text) {
        try {
            Set<String> keys = SpecNode.parse(file.toString(), text).fields().keySet();
            if (keys.contains("operations")) {
                return Kind.migration;
            }
            if (keys.contains("environments")) {
                return Kind.environments;
            }
            if (keys.contains("release")) {
                return Kind.spec;
            }
        } catch (SpecException notAMapping) {
            // the name decides
        }
        String name = file.getFileName().toString();
        if (name.matches("\\d+[_.-].*")) {
            return Kind.migration;
        }
        return name.startsWith("environments") ? Kind.environments : Kind.spec;
    }

    private List<Path> files() {
        List<Path> files = new ArrayList<>();
        for (Path path : paths) {
            if (!Files.isDirectory(path)) {
                files.add(path);
                continue;
            }
            try (Stream<Path> listed = Files.list(path)) {
                listed.filter(Files::isRegularFile)
                        .filter(file -> file.getFileName().toString().matches(".*\\.(ya?ml|json)"))
                        .sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + path + ": " + e.getMessage(), e);
            }
        }
        return files;
    }
}
