package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lean path of {@code slipway --version} and {@code slipway status} prints exactly what the full picocli path
 * prints, and leaves everything it does not know to picocli; plus the output formats and shell completion.
 */
class QuickCommandsTest {
    private static final String STATUS = """
            {"service":"orders","stable":{"version":"1.0.0","schema":[1,1],"replicas":2,"readyReplicas":2},
             "canary":{"version":"2.0.0","schema":[1,2],"replicas":2,"readyReplicas":1},"canaryWeight":20,
             "schemaState":[1,2],"migration":{"version":2,"name":"split_name","phase":"expanded"},
             "schemaUpdatePending":true,"rollout":{"id":3,"from":"1.0.0","to":"2.0.0","phase":"PAUSED","step":1,
             "weight":20,"message":"pause 30s","steps":4},"actions":[],"recentEvents":[]}""";

    @TempDir
    Path state;
    private HttpServer api;
    private volatile int answer = 200;

    @BeforeEach
    void startAStandInApi() throws Exception {
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/api/v1/status", exchange -> {
            boolean authorized = "Bearer t0ken".equals(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = (authorized && answer == 200 ? STATUS : "{\"error\":\"the store is unreachable\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(authorized ? answer : 401, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        api.start();
        Files.writeString(state.resolve("api.json"), "{\"url\": \"http://127.0.0.1:" + api.getAddress().getPort()
                + "\", \"token\": \"t0ken\", \"pid\": 1, \"service\": \"orders\"}");
    }

    @AfterEach
    void stop() {
        api.stop(0);
    }

    @Test
    void theLeanPathPrintsWhatPicocliPrints() {
        for (String[] args : new String[][] {{"--version"}, {"status", "--state-dir", state.toString()},
                {"status", "--state-dir=" + state, "--json"}, {"status", "-o", "json", "--state-dir", state.toString()}}) {
            Run lean = lean(args);
            Run full = full(args);
            assertThat(lean.exitCode()).as(String.join(" ", args)).isEqualTo(full.exitCode()).isZero();
            assertThat(lean.out()).as(String.join(" ", args)).isEqualTo(full.out());
        }
        assertThat(lean("status", "--state-dir", state.toString()).out()).startsWith(
                "orders  stable 1.0.0 [1, 1] 2/2 ready | canary 2.0.0 [1, 2] 1/2 ready 20% | schema {1, 2}");
    }

    @Test
    void errorsReadTheSameOnBothPaths() throws Exception {
        answer = 500;
        Run lean = lean("status", "--state-dir", state.toString());
        Run full = full("status", "--state-dir", state.toString());
        assertThat(lean.exitCode()).isEqualTo(full.exitCode()).isEqualTo(1);
        assertThat(lean.err()).isEqualTo(full.err()).isEqualTo("error: the store is unreachable\n");

        Path nothing = state.resolve("empty");
        Files.createDirectories(nothing);
        Run none = lean("status", "--state-dir", nothing.toString());
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).isEqualTo(full("status", "--state-dir", nothing.toString()).err())
                .startsWith("error: no Slipway controller is running here");
    }

    @Test
    void anythingElseIsLeftToPicocli() {
        for (String[] args : new String[][] {{"status", "--help"}, {"status", "-o", "yaml"}, {"status", "--stat"},
                {"rollout", "status"}, {}, {"--version", "--help"}}) {
            assertThat(Launcher.quick(args, discard(), discard())).as(String.join(" ", args)).isEmpty();
        }
    }

    @Test
    void yamlIsTheSameDocumentAsJson() throws Exception {
        Run yaml = full("status", "--state-dir", state.toString(), "--output", "yaml");
        assertThat(yaml.exitCode()).isZero();
        JsonNode fromYaml = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml.out());
        assertThat(fromYaml).isEqualTo(new ObjectMapper().readTree(STATUS));
        assertThat(yaml.out()).startsWith("service: orders\n");
        assertThat(full("status", "--output", "xml", "--state-dir", state.toString()).err())
                .contains("Invalid value for option '--output'").contains("table, json, yaml");
    }

    @Test
    void bashCompletionIsGeneratedFromTheCommands() {
        Run completion = full("generate-completion");
        assertThat(completion.exitCode()).isZero();
        assertThat(completion.out()).contains("complete -F _complete_slipway").contains("dashboard").contains("rollout")
                .contains("--output");
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run lean(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Optional<Integer> code = Launcher.quick(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as("a quick command: " + String.join(" ", args)).isPresent();
        return new Run(code.get(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run full(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = SlipwayCommand.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        int code = line.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static PrintStream discard() {
        return new PrintStream(OutputStream.nullOutputStream());
    }
}
