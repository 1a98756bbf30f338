package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.schema.MigrationFile;
import dev.slipway.testkit.fuzz.LocatedErrors;
import dev.slipway.testkit.fuzz.YamlMutations;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #15 item 5, at the API: hostile request bodies — mutated specs to {@code POST /apply}, mutated migrations to
 * {@code POST /schema/start}, malformed and oversized bodies — get a 4xx with a reason (a located one for a bad
 * file), never a 500; and a refused request changes nothing, neither in the database (tables, columns, views,
 * migration history, rollouts) nor in the state directory. A migration the API accepts is rolled back through the
 * API, which must give the database back exactly as it was. One {@link ServerFixture} (a real controller on embedded
 * PostgreSQL) for all tries.
 */
class ApiBodyProperties {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPEC = """
            service: orders
            release:
              version: 2.0.0
              run: {command: [/nonexistent/orders, --port, "8080"], env: {MODE: fuzz}}
              schema: [7, 8]
              replicas: 2
              health:
                readiness: {path: /ready, period: 1s, startPeriod: 5s}
              strategy:
                canary:
                  steps:
                    - setWeight: 20
                    - analysis: {errorRate: {max: 0.01}, minRequests: 20, window: 10s}
            """;
    private static final String MIGRATION_2 = """
            version: 2
            operations:
              - add_column:
                  table: customers
                  column: {name: nickname, type: text, nullable: true}
                  up: "split_part(full_name, ' ', 1)"
              - create_index: {name: customers_name, table: customers, columns: [full_name]}
            """;

    private static Path stateDirectory;
    private static ServerFixture fixture;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeContainer
    static void startController() throws Exception {
        stateDirectory = Files.createTempDirectory("slipway-api-fuzz-");
        fixture = ServerFixture.start(stateDirectory);
        fixture.schema.start(MigrationFile.parse("001_customers.yaml",
                ServerFixture.MIGRATION_1.getBytes(StandardCharsets.UTF_8)), "fuzz", progress -> { });
        fixture.schema.complete("fuzz");
    }

    @AfterContainer
    static void stopController() {
        fixture.close();
    }

    @Property(tries = 150)
    void aMutatedSpecIsAcceptedOrRefusedWithAReasonAndARefusalChangesNothing(
            @ForAll("specs") YamlMutations.Mutated input) throws Exception {
        List<String> before = snapshot();
        HttpResponse<String> response = post("/api/v1/apply?file=slipway.yaml", input.text());

        Statistics.label("status").collect(response.statusCode());
        assertThat(response.statusCode()).as(response.body()).isIn(202, 400, 409);
        if (response.statusCode() == 400) {
            String error = error(response);
            if (!error.contains("describes service")) {
                LocatedErrors.assertLocated(error, "slipway.yaml", input.text());
            }
        }
        if (response.statusCode() != 202) {
            assertThat(snapshot()).as("what a refused apply left").isEqualTo(before);
        }
    }

    @Property(tries = 100)
    void aMutatedMigrationIsStartedOrRefusedWithAReasonAndARefusalChangesNothing(
            @ForAll("migrations") YamlMutations.Mutated input) throws Exception {
        List<String> before = snapshot();
        HttpResponse<String> response = post("/api/v1/schema/start?file=002_fuzzed.yaml", input.text());

        Statistics.label("status").collect(response.statusCode());
        assertThat(response.statusCode()).as(response.body()).isIn(200, 400, 409);
        if (response.statusCode() == 200) {
            HttpResponse<String> rollback = post("/api/v1/schema/rollback", "");
            assertThat(rollback.statusCode()).as(rollback.body()).isEqualTo(200);
            assertThat(snapshot()).as("start then rollback of\n" + input.text()).isEqualTo(before);
            return;
        }
        String error = error(response);
        if (response.statusCode() == 400 && error.startsWith("002_fuzzed.yaml:")) {
            LocatedErrors.assertLocated(error, "002_fuzzed.yaml", input.text());
        } else {
            LocatedErrors.assertReadable(error); // refused by the engine: it names the operation
        }
        assertThat(snapshot()).as("what a refused start left").isEqualTo(before);
    }

    @Example
    void anOversizedBodyIs413AndNoneOfItIsKept() throws Exception {
        List<String> before = snapshot();
        byte[] body = new byte[5 * 1024 * 1024];
        java.util.Arrays.fill(body, (byte) 'x');
        HttpResponse<String> response = http.send(request("/api/v1/apply?file=slipway.yaml")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(error(response)).contains("larger than");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Example
    void malformedJsonAndYamlAreLocated() throws Exception {
        for (String body : List.of("{\"service\": \"orders\", \"release\": {", "service: orders\nrelease: [\n", "\0\1\2",
                "{\"service\": 1e99999}", "[1, 2, 3]", "null", "", "\"just a string\"")) {
            HttpResponse<String> response = post("/api/v1/apply?file=slipway.yaml", body);
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            LocatedErrors.assertLocated(error(response), "slipway.yaml", body);
        }
    }

    @Provide
    Arbitrary<YamlMutations.Mutated> specs() {
        return YamlMutations.of(List.of(SPEC));
    }

    @Provide
    Arbitrary<YamlMutations.Mutated> migrations() {
        return YamlMutations.of(List.of(MIGRATION_2));
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Every user-visible table, column, view and index, the schemas, the migrations in force and the rollouts; then
     * the state directory (its logs aside).
     */
    private static List<String> snapshot() throws SQLException, IOException {
        List<String> rows = new ArrayList<>(query("""
                SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type
                  FROM information_schema.columns
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"""));
        rows.addAll(query("SELECT schemaname || '.' || indexname FROM pg_indexes WHERE schemaname <> 'pg_catalog' ORDER BY 1"));
        rows.addAll(query("SELECT nspname FROM pg_namespace ORDER BY 1"));
        // a migration started and rolled back stays in the history as rolled_back: that is the record, not a change
        rows.addAll(query("SELECT version || ' ' || state FROM slipway.migrations WHERE state <> 'rolled_back' ORDER BY 1"));
        rows.addAll(query("SELECT count(*) || ' rollouts' FROM slipway.rollouts"));
        try (Stream<Path> files = Files.walk(stateDirectory)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                if (!stateDirectory.relativize(file).startsWith("logs")) {
                    rows.add(stateDirectory.relativize(file) + " " + Files.size(file) + " bytes, modified "
                            + Files.getLastModifiedTime(file));
                }
            }
        }
        return rows;
    }

    private static List<String> query(String sql) throws SQLException {
        try (Connection connection = fixture.dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (result.next()) {
                rows.add(result.getString(1));
            }
            return rows;
        }
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(request(path).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(fixture.server.url().resolve(path)).header("Authorization", "Bearer " + fixture.server.token());
    }

    private static String error(HttpResponse<String> response) throws IOException {
        JsonNode body = JSON.readTree(response.body());
        String error = body.path("error").asText("");
        assertThat(error).as("the reason in " + response.body()).isNotBlank();
        return error;
    }
}
