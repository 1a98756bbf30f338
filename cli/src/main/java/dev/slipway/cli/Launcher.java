package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.server.ApiDescriptor;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The entry point of {@code slipway.jar}. The quick commands a user types often — {@code --version} and
 * {@code status} (table or JSON) — are answered here on a lean path: no picocli model of every command, no HTTP
 * client with its own threads, a few dozen classes. Everything else, and any option the lean path does not know,
 * goes to {@link SlipwayCommand} unchanged; both paths print the same.
 */
public final class Launcher {
    /** Hidden: what the {@code slipway} launcher runs once per build to archive the quick path's classes (AppCDS). */
    static final String CDS_TRAINING = "--cds-training";

    private Launcher() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals(CDS_TRAINING)) {
            CdsTraining.run();
            return;
        }
        Optional<Integer> quick = quick(args, System.out, System.err);
        if (quick.isPresent()) {
            System.exit(quick.get());
        }
        SlipwayCommand.main(args);
    }

    /** The exit code of a quick command, or empty when {@code args} is not one. */
    static Optional<Integer> quick(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            for (String line : SlipwayVersion.lines()) {
                out.println(line);
            }
            return Optional.of(0);
        }
        if (args.length == 0 || !args[0].equals("status")) {
            return Optional.empty();
        }
        Path stateDirectory = Path.of(".slipway");
        boolean json = false;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (arg.equals("--json")) {
                json = true;
            } else if (arg.equals("--state-dir") && value != null) {
                stateDirectory = Path.of(value);
                i++;
            } else if (arg.startsWith("--state-dir=")) {
                stateDirectory = Path.of(arg.substring("--state-dir=".length()));
            } else if ((arg.equals("-o") || arg.equals("--output")) && ("json".equals(value) || "table".equals(value))) {
                json = value.equals("json");
                i++;
            } else if (arg.equals("--output=json") || arg.equals("--output=table")) {
                json = arg.endsWith("json");
            } else {
                return Optional.empty(); // --help, yaml, a typo: picocli answers those
            }
        }
        return Optional.of(status(stateDirectory, json, out, err));
    }

    private static int status(Path stateDirectory, boolean json, PrintStream out, PrintStream err) {
        try {
            ApiDescriptor descriptor = ApiDescriptor.read(stateDirectory)
                    .orElseThrow(() -> new IllegalStateException(ApiClient.NOT_RUNNING));
            HttpURLConnection connection = (HttpURLConnection) new URL(descriptor.url() + "/api/v1/status").openConnection();
            connection.setConnectTimeout(3000);
            connection.setReadTimeout(30_000);
            connection.setRequestProperty("Authorization", "Bearer " + descriptor.token());
            connection.setRequestProperty("X-Slipway-Actor", System.getProperty("user.name", "cli"));
            int code;
            JsonNode body;
            try {
                code = connection.getResponseCode();
                try (InputStream in = code < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                    body = in == null ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                            : JsonTree.read(in);
                }
            } catch (ConnectException e) {
                throw new IllegalStateException(ApiClient.NOT_RUNNING + "; " + ApiDescriptor.file(stateDirectory)
                        + " names " + descriptor.url() + " (pid " + descriptor.pid() + "), which does not answer", e);
            } catch (IOException e) {
                throw new IllegalStateException("the Slipway controller at " + descriptor.url() + " did not answer: "
                        + e.getMessage(), e);
            }
            ApiClient.ApiResponse response = new ApiClient.ApiResponse(code, body);
            if (!response.ok()) {
                String message = response.error();
                err.println(message.startsWith("refused:") ? message : "error: " + message);
                return 1;
            }
            out.println(json ? body.toPrettyString() : StatusView.line(body));
            return 0;
        } catch (IllegalStateException | IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }
}
