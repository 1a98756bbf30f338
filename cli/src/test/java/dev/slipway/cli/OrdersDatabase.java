package dev.slipway.cli;

import dev.slipway.schema.MigrationFile;
import dev.slipway.schema.SchemaEngine;
import dev.slipway.schema.SchemaOptions;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;

/** The orders service's database as the process-level tests start from it: schema version 1 and seeded customers. */
final class OrdersDatabase {
    private OrdersDatabase() {
    }

    /** (Re)creates database {@code name} on the server at schema version 1 with {@code seeded} customers. */
    static SchemaEngine atVersionOne(Database database, String name, int seeded) throws Exception {
        database.recreateDatabase(name);
        DataSource dataSource = database.dataSource(name);
        SchemaEngine engine = new SchemaEngine(dataSource, "public", SchemaOptions.defaults());
        engine.init();
        engine.start(MigrationFile.parse(SlipwayProcesses.home().resolve("examples/orders/migrations/001_initial.yaml")),
                progress -> { });
        engine.complete();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO public.customers (full_name, email) SELECT 'Seed ' || g, 'seed@example.com' "
                    + "FROM generate_series(1, " + seeded + ") g");
        }
        return engine;
    }
}
