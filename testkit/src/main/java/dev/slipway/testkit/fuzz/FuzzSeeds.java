package dev.slipway.testkit.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The valid files the fuzzers mutate, one set per kind of input file (resources under {@code fuzz/seeds/}), shared by
 * the parsers' properties and the command line's. Migration seeds are version 3 or take their version from the file
 * name, so they are valid under a name such as {@value #MIGRATION_FILE}.
 */
public final class FuzzSeeds {
    /** A file name that suits every migration seed. */
    public static final String MIGRATION_FILE = "003_fuzzed.yaml";

    private FuzzSeeds() {
    }

    /** {@code slipway.yaml}: a canary with every step kind, a rolling one on an external database, a blue-green one. */
    public static List<String> specs() {
        return load("spec-canary", "spec-rolling", "spec-bluegreen");
    }

    public static List<String> environments() {
        return load("environments-three", "environments-two");
    }

    /** Every operation kind, an opaque raw_sql, and the sample service's two migrations. */
    public static List<String> migrations() {
        return load("migration-every-operation", "migration-raw-sql", "migration-initial", "migration-split-name");
    }

    private static List<String> load(String... names) {
        List<String> seeds = new ArrayList<>();
        for (String name : names) {
            try (InputStream in = FuzzSeeds.class.getResourceAsStream("seeds/" + name + ".yaml")) {
                if (in == null) {
                    throw new IllegalStateException("no fuzz seed " + name);
                }
                seeds.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(seeds);
    }
}
