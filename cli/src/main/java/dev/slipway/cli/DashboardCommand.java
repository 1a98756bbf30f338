package dev.slipway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code slipway dashboard}: asks the running controller for a one-time login link to its web dashboard and
 * prints it (with {@code --open}, also hands it to the desktop's browser).
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = {"Prints a one-time login link to the live web dashboard of the controller that slipway up",
                "runs here (the API port, 127.0.0.1). The link works once, for 5 minutes; the browser then keeps a",
                "session cookie until it is idle for 12 hours or the controller stops."})
final class DashboardCommand implements Callable<Integer> {

    @Mixin
    StateDirectoryOption state;

    @Option(names = "--open", description = "Also open the link in the default browser (xdg-open or open).")
    boolean open;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ApiClient.ApiResponse response = state.client().post("/api/v1/dashboard/login-link", "");
        if (!response.ok()) {
            return ApiAnswers.exitCode(response, spec.commandLine().getErr());
        }
        String url = response.body().path("url").asText();
        var out = spec.commandLine().getOut();
        out.println(url);
        out.flush();
        if (open && !openInBrowser(url)) {
            spec.commandLine().getErr().println("note: no xdg-open or open here; open the link above yourself");
        }
        return 0;
    }

    private static boolean openInBrowser(String url) {
        for (String opener : List.of("xdg-open", "open")) {
            try {
                new ProcessBuilder(opener, url).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                return true;
            } catch (IOException notHere) {
                // try the next one
            }
        }
        return false;
    }
}
