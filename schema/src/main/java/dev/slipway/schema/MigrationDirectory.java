package dev.slipway.schema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The migration files of one directory ({@code *.yaml}, {@code *.yml}, {@code *.json}), parsed and ordered by
 * version, with the files that could not be used as {@link ValidationProblem}s rather than exceptions.
 */
public record MigrationDirectory(Path directory, List<Migration> migrations, List<ValidationProblem> problems) {

    public static MigrationDirectory read(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new MigrationException("migrations directory " + directory + " does not exist");
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(Files::isRegularFile)
                    .filter(file -> file.getFileName().toString().matches("(?i).*\\.(ya?ml|json)"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new MigrationException("cannot list migrations directory " + directory + ": " + e.getMessage(), e);
        }
        Map<Integer, Migration> byVersion = new TreeMap<>();
        List<ValidationProblem> problems = new ArrayList<>();
        for (Path file : files) {
            Migration migration;
            try {
                migration = MigrationFile.parse(file);
            } catch (MigrationException e) {
                problems.add(new ValidationProblem(file.getFileName().toString(), 0, ValidationProblem.Kind.UNREADABLE, e.getMessage()));
                continue;
            }
            Migration other = byVersion.putIfAbsent(migration.version(), migration);
            if (other != null) {
                problems.add(new ValidationProblem(migration.file(), migration.version(), ValidationProblem.Kind.DUPLICATE_VERSION,
                        "migrations " + other.file() + " and " + migration.file() + " both have version " + migration.version()));
            }
        }
        return new MigrationDirectory(directory, List.copyOf(byVersion.values()), List.copyOf(problems));
    }

    /** The migrations by version, ascending. */
    public Map<Integer, Migration> byVersion() {
        Map<Integer, Migration> map = new TreeMap<>();
        migrations.forEach(migration -> map.put(migration.version(), migration));
        return map;
    }
}
