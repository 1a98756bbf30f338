package dev.slipway.cli;

import dev.slipway.testkit.TestServices;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded PostgreSQL is a real server: a commit it acknowledged survives a kill -9 of the whole server, and
 * nobody gets in without the password its first start generated (kept in the state directory, mode 0600).
 */
class EmbeddedServerTest {
    @TempDir
    Path state;

    @Test
    void aLoginWithoutThePasswordOrWithAWrongOneIsRefusedOverTcpAndTheSocket() throws Exception {
        try (Database database = Database.open("embedded", state)) {
            Path passwordFile = state.resolve("postgres.password");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
            String password = Files.readString(passwordFile).strip();
            assertThat(password).hasSizeGreaterThanOrEqualTo(32).isEqualTo(database.password());

            assertThatThrownBy(() -> login(database, null)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password");
            assertThatThrownBy(() -> login(database, "not-" + password)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
            assertThat(login(database, password)).isEqualTo(1);

            TestServices.require(TestServices.onPath("psql"), "psql is not installed (apt-get install postgresql-client)");
            String socketDirectory = query(database, "SHOW unix_socket_directories").get(0).split(",")[0].strip();
            int port = Integer.parseInt(query(database, "SHOW port").get(0));
            assertThat(psql(socketDirectory, port, null).exitCode()).as("a socket login without a password").isNotZero();
            assertThat(psql(socketDirectory, port, "wrong").output()).contains("password authentication failed");
            assertThat(psql(socketDirectory, port, password).output().strip()).isEqualTo("1");
        }
    }

    @Test
    void commitsAreDurable() throws Exception {
        try (Database database = Database.open("embedded", state)) {
            assertThat(query(database, "SHOW fsync")).containsExactly("on");
            assertThat(query(database, "SHOW synchronous_commit")).containsExactly("on");
            assertThat(query(database, "SHOW full_page_writes")).containsExactly("on");
        }
    }

    /**
     * A writer commits rows one at a time and records each one the server acknowledged; the server's postmaster and
     * every process of it are killed with SIGKILL mid-write (a crash: nothing is flushed on the way out). After a
     * restart on the same data directory, every acknowledged row is there.
     */
    @Test
    void aKillOfTheServerMidWriteLosesNoCommittedRow() throws Exception {
        Set<Long> acknowledged = new ConcurrentSkipListSet<>();
        AtomicReference<Throwable> writerEnd = new AtomicReference<>();
        try (Database database = Database.open("embedded", state)) {
            execute(database, "CREATE TABLE rows_written (id bigint PRIMARY KEY, payload text)");
            Thread writer = new Thread(() -> {
                try (Connection connection = database.dataSource("postgres").getConnection();
                     var insert = connection.prepareStatement("INSERT INTO rows_written VALUES (?, repeat('x', 200))")) {
                    for (long id = 1; ; id++) {
                        insert.setLong(1, id);
                        insert.executeUpdate(); // autocommit: returning means the commit was acknowledged
                        acknowledged.add(id);
                    }
                } catch (Throwable end) {
                    writerEnd.set(end);
                }
            }, "writer");
            writer.start();
            CliHarness.await(Duration.ofSeconds(30), () -> acknowledged.size() >= 300);

            killServer(state.resolve("postgres"));
            writer.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(writerEnd.get()).as("the writer stopped because the server died").isInstanceOf(SQLException.class);
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(300);

        try (Database restarted = Database.open("embedded", state)) {
            Set<Long> stored = new TreeSet<>();
            for (String id : query(restarted, "SELECT id FROM rows_written")) {
                stored.add(Long.parseLong(id));
            }
            Set<Long> lost = new TreeSet<>(acknowledged);
            lost.removeAll(stored);
            System.out.println("acknowledged " + acknowledged.size() + " rows, found " + stored.size() + " after the crash");
            assertThat(lost).as("acknowledged rows missing after the crash").isEmpty();
        }
    }

    @Test
    void aDataDirectoryAnOlderSlipwayLeftWithTrustLoginsGetsAPasswordAtItsNextStart() throws Exception {
        try (EmbeddedPostgres old = EmbeddedPostgres.builder().setDataDirectory(state.resolve("postgres"))
                .setCleanDataDirectory(false).start()) {
            try (Connection connection = old.getPostgresDatabase().getConnection()) {
                execute(connection, "CREATE TABLE kept (id int)");
            }
        }
        assertThat(state.resolve("postgres.password")).doesNotExist();

        try (Database database = Database.open("embedded", state)) {
            assertThatThrownBy(() -> login(database, null)).isInstanceOf(SQLException.class);
            assertThat(login(database, Files.readString(state.resolve("postgres.password")).strip())).isEqualTo(1);
            assertThat(query(database, "SELECT count(*) FROM kept")).containsExactly("0");
        }
        try (Database again = Database.open("embedded", state)) {
            assertThatThrownBy(() -> login(again, null)).as("still locked after a restart").isInstanceOf(SQLException.class);
        }
    }

    @Test
    void toolsAttachingToTheRunningServerUseThePasswordFile() throws Exception {
        try (Database owner = Database.open("embedded", state);
             Database attached = Database.openShared("embedded", state, PasswordSource.commandLine(null))) {
            assertThat(attached.password()).isEqualTo(owner.password());
            assertThat(query(attached, "SELECT 1")).containsExactly("1");
        }
    }

    @Test
    void theServerKeepsItsPortAcrossStartsAndMovesToAnAnnouncedOneOnlyWhenAnotherProcessHoldsIt() throws Exception {
        int port;
        try (Database database = Database.open("embedded", state)) {
            port = Integer.parseInt(query(database, "SHOW port").get(0));
            assertThat(Files.readString(state.resolve(EmbeddedServer.PORT_FILE)).strip()).isEqualTo(Integer.toString(port));
        }
        try (Database again = Database.open("embedded", state)) {
            assertThat(query(again, "SHOW port")).as("the same port after a restart").containsExactly(Integer.toString(port));
        }
        List<String> notes = new ArrayList<>();
        try (java.net.ServerSocket squatter = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress());
             Database moved = Database.embedded(state, notes::add)) {
            int newPort = Integer.parseInt(query(moved, "SHOW port").get(0));
            assertThat(newPort).isNotEqualTo(port);
            assertThat(notes).singleElement().asString().contains("port " + port, "taken by another process",
                    "listens on " + newPort);
            assertThat(Files.readString(state.resolve(EmbeddedServer.PORT_FILE)).strip()).isEqualTo(Integer.toString(newPort));
        }
    }

    /**
     * Once supervised (as up does), a server whose postmaster is killed with SIGKILL is started again by the owner on
     * the same port with the same password, and says so; the rows committed before are there.
     */
    @Test
    void aSupervisedServerWhosePostmasterIsKilledIsStartedAgainOnTheSamePort() throws Exception {
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Database database = Database.open("embedded", state)) {
            database.superviseEmbeddedServer(events::add);
            execute(database, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2)");
            long postmaster = Long.parseLong(Files.readAllLines(state.resolve("postgres/postmaster.pid")).get(0).strip());
            ProcessHandle.of(postmaster).orElseThrow().destroyForcibly();

            CliHarness.await(Duration.ofSeconds(90), () -> events.stream().anyMatch(e -> e.contains("running again")));
            assertThat(events.get(0)).contains("postmaster pid " + postmaster, "died");
            assertThat(query(database, "SELECT count(*) FROM kept")).as("same URL, same password").containsExactly("2");
            assertThat(query(database, "SHOW fsync")).containsExactly("on");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** SIGKILL to the postmaster and all its processes at once, as a crash or the OOM killer would end them. */
    static void killServer(Path dataDirectory) throws Exception {
        long pid = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).strip());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> server = new ArrayList<>(postmaster.descendants().toList());
        server.add(0, postmaster);
        server.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle process : server) {
            process.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    private static int login(Database database, String password) throws SQLException {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(database.jdbcUrl("postgres"));
        dataSource.setUser("postgres");
        if (password != null) {
            dataSource.setPassword(password);
        }
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT 1")) {
            row.next();
            return row.getInt(1);
        }
    }

    private static TestServices.Outcome psql(String socketDirectory, int port, String password) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("psql", "-h", socketDirectory, "-p", Integer.toString(port),
                "-U", "postgres", "-d", "postgres", "-w", "-A", "-t", "-c", "SELECT 1").redirectErrorStream(true);
        builder.environment().remove("PGPASSWORD");
        builder.environment().put("PGPASSFILE", "/dev/null");
        if (password != null) {
            builder.environment().put("PGPASSWORD", password);
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new TestServices.Outcome(process.exitValue(), output);
    }

    private static List<String> query(Database database, String sql) throws SQLException {
        try (Connection connection = database.dataSource("postgres").getConnection();
             Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }

    private static void execute(Database database, String sql) throws SQLException {
        try (Connection connection = database.dataSource("postgres").getConnection()) {
            execute(connection, sql);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
