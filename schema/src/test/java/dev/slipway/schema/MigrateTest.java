package dev.slipway.schema;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code schema migrate}: every pending file in order, one in flight at a time, the last left expanded. */
class MigrateTest extends PostgresTestBase {
    @TempDir
    Path directory;

    private SchemaMigrations migrations() throws IOException {
        Files.writeString(directory.resolve("001_initial.yaml"), EngineLifecycleTest.INITIAL);
        Files.writeString(directory.resolve("002_phone.yaml"), EngineLifecycleTest.PHONE);
        Files.writeString(directory.resolve("003_phone_not_null.yaml"), """
                operations:
                  - alter_column: {table: customers, column: phone, nullable: false, up: "coalesce(phone, 'unknown')"}
                """);
        return SchemaMigrations.of(engine, directory, BackfillListener.NONE);
    }

    @Test
    void appliesEveryPendingFileAndLeavesTheLastExpanded() throws IOException {
        SchemaMigrations migrations = migrations();
        assertThat(migrations.migrate(false)).containsExactly("start 1", "complete 1", "start 2", "complete 2", "start 3");
        assertThat(engine.status().state()).containsExactly(2, 3);
        // Version 2's binaries still write; version 3 reads their rows with the gap filled.
        execute(version(2), "INSERT INTO customers (name) VALUES ('Old')");
        assertThat(single(version(3), "SELECT phone FROM customers WHERE name = 'Old'")).isEqualTo("unknown");

        Files.writeString(directory.resolve("004_email.yaml"), "operations: [{add_column: {table: customers, column: {name: email, type: text}}}]");
        assertThat(migrations.migrate(true)).containsExactly("complete 3", "start 4", "complete 4");
        assertThat(engine.status().state()).containsExactly(4);
        assertThat(migrations.migrate(false)).isEmpty();
    }

    @Test
    void aFailingFileStopsTheRunWithTheOnesBeforeItApplied() throws IOException {
        SchemaMigrations migrations = migrations();
        Files.writeString(directory.resolve("003_phone_not_null.yaml"), "operations: [{raw_sql: {up: \"SELECT 1 / 0\", down: \"SELECT 1\"}}]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> migrations.migrate(false))
                .hasMessageContaining("start failed and was undone");
        assertThat(engine.status().state()).containsExactly(2);
    }
}
