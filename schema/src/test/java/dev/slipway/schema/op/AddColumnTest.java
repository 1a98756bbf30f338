package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddColumnTest extends OperationTestBase {
    static final String ADD_CONTACT = """
            operations:
              - add_column:
                  table: customers
                  column: {name: contact, type: text, nullable: false}
                  up: "coalesce(email, name || '@unknown')"
              - add_column:
                  table: customers
                  column: {name: tier, type: int, nullable: false, default: "1"}
            """;

    @Test
    void oldWritesAreFilledFromUpAndNewWritesWork() {
        givenVersion1();
        start("002_contact.yaml", ADD_CONTACT);

        assertThat(query(version(2), "SELECT contact, tier FROM customers ORDER BY id")).containsExactly(
                List.of("ada@example.com", "1"), List.of("Grace@unknown", "1"), List.of("linus@example.com", "1"));
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        execute(version(1), "UPDATE customers SET email = 'grace@example.com' WHERE name = 'Grace'");
        execute(version(2), "INSERT INTO customers (name, contact, tier) VALUES ('New', 'new@example.com', 3)");
        assertThat(query(version(2), "SELECT name, contact FROM customers WHERE name IN ('Old', 'Grace', 'New') ORDER BY id"))
                .containsExactly(List.of("Grace", "grace@example.com"), List.of("Old", "Old@unknown"), List.of("New", "new@example.com"));
        assertThat(columns("public_v1", "customers")).containsExactly("id", "name", "email");
        // The new version must give the NOT NULL column a value: the check already holds for new writes.
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name) VALUES ('Nobody')")).hasMessageContaining("not_null");

        engine.complete();
        assertThat(single(dataSource, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'contact'"))
                .isEqualTo("t");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_constraint WHERE conname LIKE '%not_null'")).isEqualTo("0");
    }

    @Test
    void aPerRowDefaultFillsEveryRowOnceWithoutRewritingTheTable() {
        givenVersion1();
        String fileBefore = single(dataSource, "SELECT pg_relation_filenode('customers')");
        start("002_token.yaml", """
                operations:
                  - add_column:
                      table: customers
                      column: {name: token, type: uuid, nullable: false, unique: true, default: "gen_random_uuid()"}
                """);

        // ADD COLUMN with a volatile default would have rewritten every row under ACCESS EXCLUSIVE: a new file
        assertThat(single(dataSource, "SELECT pg_relation_filenode('customers')")).isEqualTo(fileBefore);
        assertThat(single(version(2), "SELECT count(DISTINCT token) || '/' || count(*) FROM customers")).isEqualTo("3/3");
        String adasToken = single(version(2), "SELECT token FROM customers WHERE name = 'Ada'");
        // The old version's writes: an update keeps the row's value, an insert gets its own.
        execute(version(1), "UPDATE customers SET email = 'ada@example.org' WHERE name = 'Ada'");
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        assertThat(single(version(2), "SELECT token FROM customers WHERE name = 'Ada'")).isEqualTo(adasToken);
        // The new version's: the default when it gives none, its own value when it does.
        execute(version(2), "INSERT INTO customers (name) VALUES ('New')");
        execute(version(2), "INSERT INTO customers (name, token) VALUES ('Own', '00000000-0000-0000-0000-00000000000a')");
        assertThat(single(version(2), "SELECT token FROM customers WHERE name = 'Own'")).isEqualTo("00000000-0000-0000-0000-00000000000a");
        assertThat(single(version(2), "SELECT count(DISTINCT token) || '/' || count(*) FROM customers")).isEqualTo("6/6");
        assertThat(syncFunctionSource()).as("gen_random_uuid() is pg_catalog's: every path sees it")
                .doesNotContain("set_config('search_path'");

        engine.complete();
        assertThat(single(dataSource, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'token'"))
                .isEqualTo("t");
        assertThat(single(dataSource, "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'customers'::regclass"
                + " AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'token')"))
                .isEqualTo("gen_random_uuid()");
        assertThat(single(dataSource, "SELECT pg_relation_filenode('customers')")).isEqualTo(fileBefore);
    }

    @Test
    void expressionsNamingTheBaseSchemasSequencesFunctionsAndTypesServeTheOldVersionsWrites() {
        givenVersion1();
        // Each version's binary sees only its own schema (search_path public_v1): none of these is visible to it.
        execute(dataSource, "CREATE SEQUENCE public.tickets",
                "CREATE TYPE public.tier AS ENUM ('bronze', 'gold')",
                "CREATE FUNCTION public.initial(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper(left($1, 1))'",
                "ALTER TABLE public.customers ADD COLUMN level public.tier NOT NULL DEFAULT 'bronze'");
        start("002_ticket.yaml", """
                operations:
                  - add_column:
                      table: customers
                      column: {name: ticket, type: bigint, nullable: false, default: "nextval('tickets')"}
                  - add_column:
                      table: customers
                      column: {name: badge, type: text}
                      up: "initial(name) || '-' || level::text"
                """);

        execute(version(1), "UPDATE customers SET email = 'ada@example.org' WHERE name = 'Ada'");
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        execute(version(2), "INSERT INTO customers (name, badge) VALUES ('New', 'N-gold')");
        assertThat(single(version(2), "SELECT count(DISTINCT ticket) || '/' || count(*) FROM customers")).isEqualTo("5/5");
        assertThat(syncFunctionSource()).as("these rules need the base schema's path").contains("set_config('search_path'");
        assertThat(query(version(2), "SELECT name, badge FROM customers WHERE name IN ('Ada', 'Old', 'New') ORDER BY id"))
                .containsExactly(List.of("Ada", "A-bronze"), List.of("Old", "O-bronze"), List.of("New", "N-gold"));
        // The writer's own search_path is back once the trigger has run.
        try (java.sql.Connection connection = version(1).getConnection();
             java.sql.Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            String before = searchPath(statement);
            statement.executeUpdate("UPDATE customers SET email = 'x@example.org' WHERE name = 'Old'");
            assertThat(searchPath(statement)).isEqualTo(before).contains("public_v1");
            connection.commit();
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** The sync function of version 2 on customers, as the server keeps it. */
    private String syncFunctionSource() {
        return single(dataSource, "SELECT prosrc FROM pg_proc WHERE pronamespace = 'slipway'::regnamespace"
                + " AND proname LIKE '%v2%customers%'");
    }

    private static String searchPath(java.sql.Statement statement) throws java.sql.SQLException {
        try (java.sql.ResultSet row = statement.executeQuery("SELECT current_setting('search_path')")) {
            row.next();
            return row.getString(1);
        }
    }

    @Test
    void aSerialColumnNumbersEveryRowWithoutRewritingTheTableAndOwnsItsSequence() {
        givenVersion1();
        String fileBefore = single(dataSource, "SELECT pg_relation_filenode('customers')");
        start("002_number.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: number, type: bigserial, unique: true}}
                """);

        assertThat(single(dataSource, "SELECT pg_relation_filenode('customers')")).isEqualTo(fileBefore);
        execute(version(1), "UPDATE customers SET email = 'ada@example.org' WHERE name = 'Ada'");
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        execute(version(2), "INSERT INTO customers (name) VALUES ('New')");
        assertThat(single(version(2), "SELECT count(DISTINCT number) || '/' || count(*) FROM customers")).isEqualTo("5/5");
        assertThat(syncFunctionSource()).as("the fill names the base schema's sequence").contains("set_config('search_path'");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, number) VALUES ('Twin',"
                + " (SELECT min(number) FROM customers))")).hasMessageContaining("duplicate key");

        engine.complete();
        assertThat(single(dataSource, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'customers'::regclass"
                + " AND attname = 'number'")).isEqualTo("t");
        assertThat(single(dataSource, "SELECT pg_get_serial_sequence('customers', 'number')"))
                .isEqualTo("public.customers_number_seq");
        assertThat(single(dataSource, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                + " WHERE attrelid = 'customers'::regclass AND attname = 'number'")).isEqualTo("bigint");
        execute(version(2), "INSERT INTO customers (name) VALUES ('Later')");
        assertThat(single(version(2), "SELECT count(DISTINCT number) || '/' || count(*) FROM customers")).isEqualTo("6/6");
    }

    @Test
    void rollingBackASerialColumnDropsItsSequence() {
        givenVersion1();
        start("002_number.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: number, type: serial}}
                """);
        engine.rollback();
        assertThat(columns("public", "customers")).containsExactly("id", "name", "email");
        assertThat(single(dataSource, "SELECT count(*) FROM pg_class WHERE relname = 'customers_number_seq'")).isEqualTo("0");
    }

    @Test
    void onlyDefaultsKnownToBeStoredInTheCatalogSkipTheBackfill() {
        assertThat(List.of("1", "-2.5e3", "'gold'", "'it''s'::text", "'{}'::jsonb", "true", "NULL", "now()",
                "CURRENT_TIMESTAMP", "current_timestamp(3)", "'0'::numeric(10, 2)", "'{}'::text[]", "'x'::character varying"))
                .allSatisfy(constant -> assertThat(AddColumn.storedInCatalog(constant)).as(constant).isTrue());
        assertThat(List.of("gen_random_uuid()", "clock_timestamp()", "nextval('orders_seq')", "random()",
                "'a' || random()::text", "now() + random() * interval '1 day'", "'1'::int + (random() * 10)::int",
                "interval '1 day'", "upper('x')"))
                .allSatisfy(perRow -> assertThat(AddColumn.storedInCatalog(perRow)).as(perRow).isFalse());
    }

    @Test
    void rollbackRemovesTheColumns() {
        givenVersion1();
        start("002_contact.yaml", ADD_CONTACT);
        engine.rollback();
        assertThat(columns("public", "customers")).containsExactly("id", "name", "email");
        execute(version(1), "INSERT INTO customers (name) VALUES ('After')");
        assertThat(single(version(1), "SELECT count(*) FROM customers")).isEqualTo("4");
    }

    @Test
    void aNotNullColumnWithoutDefaultOrUpIsRefused() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: phone, type: text, nullable: false}}
                """)).hasMessageStartingWith("migration 002_x.yaml: add_column customers.phone: a NOT NULL column needs a default");
    }

    @Test
    void anExistingColumnIsRefused() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: email, type: text}}
                """)).hasMessage("migration 002_x.yaml: add_column customers.email: column already exists (columns: id, name, email)");
    }

    @Test
    void anUpExpressionOfTheWrongTypeIsRefusedBeforeAnythingChanges() {
        givenVersion1();
        List<List<String>> before = catalogFingerprint();
        assertThatThrownBy(() -> start("003_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: placed_at, type: timestamptz}, up: "42"}
                """)).hasMessage("migration 003_x.yaml: add_column customers.placed_at: up expression \"42\""
                + " (as timestamptz): cannot cast type integer to timestamp with time zone");
        assertThatThrownBy(() -> start("003_x.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: contact, type: text}, up: "coalesce(mail, name)"}
                """)).hasMessageStartingWith("migration 003_x.yaml: add_column customers.contact: up expression \"coalesce(mail, name)\"")
                .hasMessageContaining("column \"mail\" does not exist");
        assertThat(catalogFingerprint()).isEqualTo(before);
        assertThat(engine.status().history()).hasSize(1);
    }

    @Test
    void generatedColumnsFillThemselvesForOldAndNewWriters() {
        engine.start(migration("001_initial.yaml", """
                operations:
                  - create_table: {name: bookings, columns: [{name: id, type: bigserial, pk: true}, {name: nights, type: int}]}
                """), dev.slipway.schema.BackfillListener.NONE);
        engine.complete();
        start("002_generated.yaml", """
                name: 02_generated
                operations:
                  - add_column:
                      table: bookings
                      column: {name: number, type: bigint, generated: {identity: {user_specified_values: ALWAYS, sequence_options: "START WITH 100"}}}
                  - add_column:
                      table: bookings
                      column: {name: total, type: integer, nullable: true, generated: {expression: "nights * 100"}}
                """);
        execute(version(1), "INSERT INTO bookings (nights) VALUES (2)");
        execute(version(2), "INSERT INTO bookings (nights) VALUES (3)");
        assertThat(query(version(2), "SELECT nights, number, total FROM bookings ORDER BY id"))
                .containsExactly(List.of("2", "100", "200"), List.of("3", "101", "300"));
        assertThat(columns("public_v1", "bookings")).containsExactly("id", "nights");
        engine.complete();
        execute(version(2), "INSERT INTO bookings (nights) VALUES (4)");
        assertThat(single(version(2), "SELECT number || ':' || total FROM bookings WHERE nights = 4")).isEqualTo("102:400");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO bookings (nights, number) VALUES (1, 7)"))
                .hasMessageContaining("number");
    }

    @Test
    void anIdentityColumnNumbersEveryRowInFlightAndBecomesAnIdentityOnCompleteWithoutRewritingTheTable() {
        givenVersion1();
        String fileBefore = filenode();
        start("002_number.yaml", """
                operations:
                  - add_column:
                      table: customers
                      column:
                        name: number
                        type: integer
                        generated: {identity: {user_specified_values: ALWAYS, sequence_options: "START WITH 100 INCREMENT BY 10"}}
                """);

        assertThat(filenode()).as("no rewrite").isEqualTo(fileBefore);
        assertThat(query(version(2), "SELECT number FROM customers ORDER BY number"))
                .as("existing rows numbered as the identity's sequence would").containsExactly(List.of("100"), List.of("110"), List.of("120"));
        execute(version(1), "UPDATE customers SET email = 'ada@example.org' WHERE name = 'Ada'");
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        execute(version(2), "INSERT INTO customers (name) VALUES ('New')");
        assertThat(single(version(2), "SELECT count(DISTINCT number) || '/' || count(*) || '/' || max(number) FROM customers"))
                .isEqualTo("5/5/140");
        assertThat(syncFunctionSource()).as("the fill names the base schema's sequence").contains("set_config('search_path'");

        List<String> completeStatements = completeRecordingStatements();
        assertThat(filenode()).as("no rewrite").isEqualTo(fileBefore);
        List<String> identity = identityOf("number");
        assertThat(identity).containsExactly("a", "t", "public.customers_number_seq", "100", "10", "140", "0");
        execute(version(2), "INSERT INTO customers (name) VALUES ('Later')");
        assertThat(single(version(2), "SELECT number FROM customers WHERE name = 'Later'")).isEqualTo("150");
        assertThatThrownBy(() -> execute(version(2), "INSERT INTO customers (name, number) VALUES ('Own', 7)"))
                .hasMessageContaining("cannot insert a non-DEFAULT value into column \"number\"");

        // Complete run again (a crash after it committed) changes nothing.
        assertThat(completeStatements).isNotEmpty();
        completeStatements.forEach(statement -> execute(dataSource, statement));
        assertThat(identityOf("number")).containsExactly("a", "t", "public.customers_number_seq", "100", "10", "150", "0");
        execute(version(2), "INSERT INTO customers (name) VALUES ('Last')");
        assertThat(single(version(2), "SELECT count(DISTINCT number) || '/' || count(*) || '/' || max(number) FROM customers"))
                .isEqualTo("7/7/160");
    }

    @Test
    void anIdentityByDefaultTakesTheNameItsOptionsGiveAndNumbersOnFromTheLastNumberGivenOut() {
        givenVersion1();
        start("002_number.yaml", """
                operations:
                  - add_column:
                      table: customers
                      column: {name: number, type: bigint, generated: {identity: {user_specified_values: BY DEFAULT, sequence_options: "SEQUENCE NAME public.customer_numbers NO CYCLE"}}}
                """);
        execute(version(2), "INSERT INTO customers (name) VALUES ('New')");
        engine.complete();

        assertThat(identityOf("number")).containsExactly("d", "t", "public.customer_numbers", "1", "1", "4", "0");
        execute(version(2), "INSERT INTO customers (name, number) VALUES ('Own', 1000)");
        execute(version(2), "INSERT INTO customers (name) VALUES ('Later')");
        assertThat(single(version(2), "SELECT number FROM customers WHERE name = 'Later'")).isEqualTo("5");
    }

    /**
     * attidentity, attnotnull, the identity's sequence, its start, increment and last number, and how many defaults
     * the column has in pg_attrdef (an identity has none).
     */
    private List<String> identityOf(String column) {
        return query(dataSource, "SELECT a.attidentity::text, a.attnotnull, s.schemaname || '.' || s.sequencename,"
                + " s.start_value::text, s.increment_by::text, s.last_value::text,"
                + " (SELECT count(*) FROM pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum)::text"
                + " FROM pg_attribute a, pg_sequences s"
                + " WHERE a.attrelid = 'customers'::regclass AND a.attname = '" + column + "'"
                + " AND (s.schemaname || '.' || s.sequencename) = pg_get_serial_sequence('customers', a.attname)").get(0);
    }

    private String filenode() {
        return single(dataSource, "SELECT pg_relation_filenode('customers')");
    }

    @Test
    void rollingBackAnIdentityColumnLeavesTheCatalogAsBefore() {
        givenVersion1();
        List<List<String>> before = catalogFingerprint();
        start("002_number.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: number, type: bigint, unique: true, generated: {identity: {}}}}
                """);
        execute(version(1), "INSERT INTO customers (name) VALUES ('Old')");
        engine.rollback();
        assertThat(catalogFingerprint()).isEqualTo(before);
        assertThat(single(dataSource, "SELECT count(*) FROM pg_class WHERE relname LIKE 'customers_number%'")).isEqualTo("0");
    }

    @Test
    void aGeneratedColumnOnATableWithRowsIsRefusedAndUndoneRatherThanRewritingItUnderALock() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_code.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: code, type: text, generated: {expression: "upper(name)"}}}
                """)).hasMessageContaining("add_column customers.code: adding a column generated from an expression makes"
                + " PostgreSQL compute it for every row, rewriting the table under an ACCESS EXCLUSIVE lock, and customers"
                + " has rows; add code as a plain column with up: \"upper(name)\" instead");
        assertThat(columns("public", "customers")).containsExactly("id", "name", "email");
        assertThat(engine.status().state()).containsExactly(1);
    }

    @Test
    void anIdentityOfANonIntegerTypeOrWithATypeAmongItsOptionsIsALocatedError() {
        assertThatThrownBy(() -> migration("002_number.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: number, type: text, generated: {identity: {}}}}
                """)).hasMessage("002_number.yaml:2:65: operations[0].add_column.column.type: an identity column is"
                + " smallint, integer or bigint, not text");
        assertThatThrownBy(() -> migration("002_number.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: number, type: int, generated: {identity: {sequence_options: "START 5 AS bigint"}}}}
                """)).hasMessageContaining("operations[0].add_column.column.generated.identity.sequence_options: leave out AS");
    }

    @Test
    void aGeneratedColumnWithAnUpExpressionIsALocatedError() {
        assertThatThrownBy(() -> migration("002_code.yaml", """
                operations:
                  - add_column: {table: customers, column: {name: code, type: text, generated: {expression: "upper(name)"}}, up: "name"}
                """)).hasMessageContaining("002_code.yaml:2:114: operations[0].add_column.up: a generated column computes its own values");
    }
}
