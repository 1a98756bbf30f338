package dev.slipway.schema.proof;

import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The process {@link BackfillCrashTest} kills: runs {@code start} of one migration file with a small batch size
 * and a pause between batches, printing each batch's progress.
 * Arguments: port, database, migration file, batch size, delay in milliseconds.
 */
public final class BackfillCrashChild {
    private BackfillCrashChild() {
    }

    public static void main(String[] args) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setServerNames(new String[] {"127.0.0.1"});
        source.setPortNumbers(new int[] {Integer.parseInt(args[0])});
        source.setDatabaseName(args[1]);
        source.setUser("postgres");
        SchemaOptions options = SchemaOptions.defaults().withBackfillBatchSize(Integer.parseInt(args[3]))
                .withBackfillDelay(Duration.ofMillis(Long.parseLong(args[4]))).withActor("crash-child");
        SchemaEngine engine = new SchemaEngine(source, "public", options);
        System.out.println("starting " + args[2]);
        engine.start(MigrationFile.parse(Path.of(args[2])),
                progress -> System.out.println("progress " + progress.done() + "/" + progress.total()));
        // Reaching this line means the test did not kill us in time.
        System.out.println("finished");
    }
}
