package dev.slipway.schema;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** History integrity (checksums, validate, repair, baseline) and the embeddable {@link Slipway} entry point. */
class EngineLifecycleTest extends PostgresTestBase {
    static final String INITIAL = """
            operations:
              - create_table:
                  name: customers
                  columns:
                    - {name: id, type: bigserial, pk: true}
                    - {name: name, type: text, nullable: false}
            """;
    static final String PHONE = "operations: [{add_column: {table: customers, column: {name: phone, type: text}}}]";

    @TempDir
    Path directory;

    private SchemaMigrations migrations() {
        return Slipway.schema(dataSource).schemaName("public").migrations(directory)
                .lockTimeout(Duration.ofMillis(200)).backfillBatchSize(100).actor("test").load();
    }

    private void write(String file, String yaml) throws IOException {
        Files.writeString(directory.resolve(file), yaml);
    }

    @Test
    void theEntryPointRunsTheDirectoryFileByFile() throws IOException {
        write("001_initial.yaml", INITIAL);
        write("002_phone.yaml", PHONE);
        SchemaMigrations migrations = migrations();

        assertThat(migrations.pending()).extracting(Migration::version).containsExactly(1, 2);
        assertThat(migrations.start().version()).isEqualTo(1);
        assertThat(migrations.complete().state()).containsExactly(1);
        SchemaMigrations.Plan plan = migrations.plan();
        assertThat(plan.version()).isEqualTo(2);
        assertThat(plan.statements()).anySatisfy(sql -> assertThat(sql).contains("ADD COLUMN \"phone\""));
        assertThat(migrations.start().state()).containsExactly(1, 2);
        assertThat(migrations.rollback().state()).containsExactly(1);
        migrations.start();
        assertThat(migrations.complete().state()).containsExactly(2);
        assertThat(migrations.validate()).isEmpty();
        assertThatThrownBy(migrations::start).hasMessageContaining("nothing to start");
    }

    @Test
    void anAppliedFileThatChangedIsReportedAndRefusedUntilRepaired() throws IOException {
        write("001_initial.yaml", INITIAL);
        SchemaMigrations migrations = migrations();
        migrations.start();
        migrations.complete();
        write("001_initial.yaml", INITIAL + "# reviewed\n");
        write("002_phone.yaml", PHONE);

        assertThat(migrations.validate()).singleElement().satisfies(problem -> {
            assertThat(problem.kind()).isEqualTo(ValidationProblem.Kind.CHANGED);
            assertThat(problem.message()).startsWith("migration 001_initial.yaml was changed after version 1 was applied on");
        });
        assertThatThrownBy(migrations::start).hasMessageContaining("does not validate").hasMessageContaining("repair");
        // The engine refuses a changed file of an applied version on its own too.
        Migration changed = MigrationFile.parse(directory.resolve("001_initial.yaml"));
        assertThatThrownBy(() -> engine.start(changed, BackfillListener.NONE))
                .hasMessageStartingWith("refused: migration 001_initial.yaml was changed after version 1 was applied");

        assertThatThrownBy(() -> migrations.repair(" ")).hasMessageContaining("needs a reason");
        List<RepairResult> repaired = migrations.repair("added a review comment");
        assertThat(repaired).singleElement().satisfies(result -> {
            assertThat(result.version()).isEqualTo(1);
            assertThat(result.checksum()).contains(changed.checksum());
        });
        assertThat(query(dataSource, "SELECT version::text, repaired_by, reason FROM slipway.repairs"))
                .containsExactly(List.of("1", "test", "added a review comment"));
        assertThat(migrations.validate()).isEmpty();
        assertThat(migrations.start().version()).isEqualTo(2);
    }

    @Test
    void validateReportsMissingIgnoredUnreadableAndInvalidFiles() throws IOException {
        write("001_initial.yaml", INITIAL);
        write("002_phone.yaml", PHONE);
        SchemaMigrations migrations = migrations();
        migrations.start();
        migrations.complete();
        migrations.start();
        migrations.complete();
        Files.delete(directory.resolve("001_initial.yaml"));
        write("003_bad.yaml", "operations: [{add_column: {table: customers, column: {name: x, type: int}, up: \"nope\"}}]");
        write("004_broken.yaml", "operations: [{add_colum: {}}]");

        assertThat(migrations.validate()).extracting(ValidationProblem::kind).containsExactlyInAnyOrder(
                ValidationProblem.Kind.UNREADABLE, ValidationProblem.Kind.MISSING_FILE, ValidationProblem.Kind.INVALID);
        assertThat(migrations.validate()).filteredOn(problem -> problem.kind() == ValidationProblem.Kind.INVALID)
                .singleElement().extracting(ValidationProblem::message).asString()
                .startsWith("migration 003_bad.yaml: add_column customers.x: up expression \"nope\" (as int): column \"nope\" does not exist");
    }

    @Test
    void repairRemovesFailedAttempts() throws IOException {
        write("001_initial.yaml", INITIAL);
        write("002_broken.yaml", "operations: [{raw_sql: {up: \"SELECT 1 / 0\", down: \"SELECT 1\"}}]");
        SchemaMigrations migrations = migrations();
        migrations.start();
        migrations.complete();
        assertThatThrownBy(migrations::start).hasMessageContaining("start failed and was undone");
        assertThat(migrations.status().history()).extracting(AppliedMigration::state).containsExactly("completed", "failed");

        assertThat(migrations.repair("the division was a typo")).singleElement()
                .extracting(RepairResult::removedFailedAttempts).isEqualTo(1);
        assertThat(migrations.status().history()).extracting(AppliedMigration::state).containsExactly("completed");
    }

    @Test
    void baselineAdoptsAnExistingDatabase() throws IOException {
        execute(dataSource, "CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL)",
                "INSERT INTO customers (name) VALUES ('Ada'), ('Grace')");
        write("001_initial.yaml", INITIAL);
        write("002_phone.yaml", PHONE);
        SchemaMigrations migrations = migrations();

        assertThat(migrations.baseline(1, "adopted from the legacy app").state()).containsExactly(1);
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("2");
        assertThat(migrations.pending()).extracting(Migration::version).containsExactly(2);
        assertThat(migrations.validate()).isEmpty();
        assertThat(migrations.start().state()).containsExactly(1, 2);
        execute(version(2), "INSERT INTO customers (name, phone) VALUES ('Linus', '555')");
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("3");
        migrations.complete();
        assertThatThrownBy(() -> migrations.baseline(5, "again")).hasMessageContaining("already has migration history");
    }
}
