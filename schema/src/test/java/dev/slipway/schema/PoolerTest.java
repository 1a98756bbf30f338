package dev.slipway.schema;

import dev.slipway.testkit.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Old and new binaries through one PgBouncer in transaction pooling mode, while a migration is in flight: each logs
 * in as its version's role, whose default search path is its view schema, so no connection parameter has to survive
 * the pooler. A {@code currentSchema} parameter is what PgBouncer refuses.
 */
class PoolerTest extends PostgresTestBase {
    private Process bouncer;
    private Path directory;

    @AfterEach
    void stopBouncer() throws Exception {
        if (bouncer != null) {
            bouncer.destroy();
            bouncer.waitFor();
        }
    }

    @Test
    void oldAndNewBinariesWorkThroughPgBouncerInTransactionModeWithTheirVersionsRoles() throws Exception {
        TestServices.require(TestServices.onPath("pgbouncer"), "pgbouncer is not installed (Debian package pgbouncer)");
        engine.start(DemoMigrationsTest.initial(), BackfillListener.NONE);
        engine.complete();
        execute(version(1), "INSERT INTO customers (full_name, email) SELECT 'First' || i || ' Last' || i, 'c' || i || '@example.com'"
                + " FROM generate_series(1, 200) i");
        engine.start(DemoMigrationsTest.splitName(), BackfillListener.NONE);
        assertThat(engine.status().state()).containsExactly(1, 2);
        DatabaseCredentials old = engine.credentialsFor(1).orElseThrow();
        DatabaseCredentials next = engine.credentialsFor(2).orElseThrow();
        assertThat(old.user()).isNotEqualTo(next.user());
        assertThat(engine.credentialsFor(3)).isEmpty();

        // A role may use its view schema and nothing else: not the tables behind it, not Slipway's catalog.
        String direct = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database;
        try (Connection connection = DriverManager.getConnection(direct, old.user(), old.password());
             Statement statement = connection.createStatement()) {
            assertThat(scalar(statement, "SELECT current_setting('search_path')")).isEqualTo("public_v1");
            assertThatThrownBy(() -> statement.executeQuery("SELECT * FROM public.customers")).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> statement.executeQuery("SELECT * FROM slipway.version_roles")).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> statement.executeQuery("SELECT * FROM public_v2.customers")).hasMessageContaining("permission denied");
        }

        int port = startBouncer(List.of(old, next));
        String pooled = "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?prepareThreshold=0";
        // What binaries did before: a connection parameter PgBouncer does not pass on.
        assertThatThrownBy(() -> DriverManager.getConnection(pooled + "&currentSchema=public_v1", old.user(), old.password()).close())
                .hasMessageContaining("unsupported startup parameter");

        AtomicInteger errors = new AtomicInteger();
        List<Callable> writers = new ArrayList<>();
        for (int client = 0; client < 3; client++) {
            int id = client;
            writers.add(() -> work(pooled, old, errors, i -> "INSERT INTO customers (full_name, email) VALUES ('Old" + id + " Writer" + i + "', NULL)"));
            writers.add(() -> work(pooled, next, errors, i -> "INSERT INTO customers (first_name, last_name) VALUES ('New" + id + "', 'Writer" + i + "')"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers.size());
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (Callable writer : writers) done.add(pool.submit(writer::call));
            for (Future<Integer> future : done) assertThat(future.get()).isEqualTo(60);
        } finally {
            pool.shutdownNow();
        }
        assertThat(errors.get()).isZero();
        // Each side reads the other's writes in its own layout: the sync triggers told the versions apart by role.
        assertThat(single(version(2), "SELECT count(*) FROM customers WHERE first_name LIKE 'Old%' AND last_name LIKE 'Writer%'"))
                .isEqualTo("90");
        assertThat(single(version(1), "SELECT count(*) FROM customers WHERE full_name LIKE 'New_ Writer%'")).isEqualTo("90");

        engine.complete();
        assertThat(engine.credentialsFor(1)).isEmpty();
        assertThat(single(dataSource, "SELECT count(*) FROM pg_roles WHERE rolname = '" + old.user() + "'")).isEqualTo("0");
        assertThat(work(pooled, next, errors, i -> "INSERT INTO customers (first_name, last_name) VALUES ('After', 'Complete')"))
                .isEqualTo(60);
        assertThat(errors.get()).isZero();
    }

    /** What one client does: 30 statements, each its own transaction (so the pooler may hand it any server connection). */
    private static int work(String url, DatabaseCredentials credentials, AtomicInteger errors,
                            java.util.function.IntFunction<String> insert) {
        int ok = 0;
        try (Connection connection = DriverManager.getConnection(url, credentials.user(), credentials.password());
             Statement statement = connection.createStatement()) {
            for (int i = 0; i < 30; i++) {
                try {
                    statement.execute(insert.apply(i));
                    scalar(statement, "SELECT count(*) FROM customers");
                    ok += 2;
                } catch (SQLException e) {
                    errors.incrementAndGet();
                    System.err.println(credentials.user() + ": " + e.getMessage());
                }
            }
        } catch (SQLException e) {
            errors.incrementAndGet();
            System.err.println(credentials.user() + ": " + e.getMessage());
        }
        return ok;
    }

    @FunctionalInterface
    private interface Callable {
        Integer call() throws Exception;
    }

    private static String scalar(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    /** A PgBouncer of its own: transaction pooling, SCRAM logins from a users file, on a free loopback port. */
    private int startBouncer(List<DatabaseCredentials> users) throws IOException, InterruptedException {
        directory = Files.createTempDirectory("slipway-pgbouncer");
        // PgBouncer refuses to run as root: it drops to nobody, who must read the files and write its log.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        int port = TestServices.freePort();
        StringBuilder userList = new StringBuilder();
        users.forEach(user -> userList.append('"').append(user.user()).append("\" \"").append(user.password()).append("\"\n"));
        Files.writeString(directory.resolve("users.txt"), userList);
        Files.writeString(directory.resolve("pgbouncer.ini"), """
                [databases]
                * = host=127.0.0.1 port=%d
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = %d
                unix_socket_dir =
                auth_type = scram-sha-256
                auth_file = %s
                pool_mode = transaction
                default_pool_size = 2
                max_client_conn = 100
                ignore_startup_parameters = extra_float_digits
                logfile = %s
                """.formatted(postgres.getPort(), port, directory.resolve("users.txt"), directory.resolve("pgbouncer.log")));
        for (String file : List.of("users.txt", "pgbouncer.ini")) {
            Files.setPosixFilePermissions(directory.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
        }
        List<String> command = new ArrayList<>(List.of("pgbouncer"));
        if ("root".equals(System.getProperty("user.name"))) command.addAll(List.of("-u", "nobody"));
        command.add(directory.resolve("pgbouncer.ini").toString());
        bouncer = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                return port;
            } catch (IOException notYet) {
                if (!bouncer.isAlive()) break;
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("pgbouncer did not listen on " + port + ": "
                + Files.readString(directory.resolve("stdout.log")));
    }
}
