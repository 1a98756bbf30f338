package dev.slipway.schema;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The catalog is created or upgraded once per engine, from versioned SQL resources. */
class SchemaHistoryTest extends PostgresTestBase {

    @Test
    void statusDoesNotRunTheCatalogDdlAgain() throws Exception {
        engine.status();
        // Another process holding the catalog's init lock (as during an upgrade) does not hold up status readers.
        try (Connection other = dataSource.getConnection(); Statement statement = other.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(hashtext('slipway:init'))");
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (int i = 0; i < 5; i++) {
                    assertThat(engine.status().state()).isEmpty();
                }
            });
        }
        assertThat(single(dataSource, "SELECT version FROM slipway.catalog_version"))
                .isEqualTo(String.valueOf(SchemaHistory.latestCatalogVersion()));
    }

    @Test
    void theUnversionedCatalogOfEarlierReleasesIsUpgradedWithItsHistoryKept() throws IOException {
        execute(dataSource, "DROP SCHEMA slipway CASCADE", resource("V1__history.sql"),
                "INSERT INTO slipway.migrations (schema_name, version, name, file_name, checksum, content, state, applied_by)"
                        + " VALUES ('public', 1, 'initial', '001_initial.yaml', 'abc', '', 'completed', 'someone')");

        SchemaEngine upgraded = new SchemaEngine(dataSource, "public", options());
        assertThat(upgraded.status().state()).containsExactly(1);
        assertThat(single(dataSource, "SELECT version FROM slipway.catalog_version"))
                .isEqualTo(String.valueOf(SchemaHistory.latestCatalogVersion()));
        assertThat(single(dataSource, "SELECT to_regprocedure('slipway.create_version_views(text, text)') IS NOT NULL"))
                .isEqualTo("t");
    }

    @Test
    void aCatalogNewerThanThisBuildKnowsIsRefused() {
        execute(dataSource, "UPDATE slipway.catalog_version SET version = 99");
        SchemaEngine older = new SchemaEngine(dataSource, "public", options());
        assertThatThrownBy(older::status).hasMessageContaining("catalog of this database is at version 99")
                .hasMessageContaining("upgrade Slipway");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = SchemaHistory.class.getResourceAsStream("catalog/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
