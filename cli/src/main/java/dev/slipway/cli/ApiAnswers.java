package dev.slipway.cli;

import java.io.PrintWriter;

/** How the client commands turn a failed API answer into output and an exit code. */
final class ApiAnswers {
    /** The API's {@code kind} of a failure the compatibility guard decided. */
    static final String REFUSED = "refused";

    private ApiAnswers() {
    }

    /**
     * 0 when the answer is a success; otherwise prints the server's message and returns 1. A guard refusal is printed
     * as the guard words it (it starts with "refused:"); anything else gets the usual {@code error: } prefix.
     */
    static int exitCode(ApiClient.ApiResponse response, PrintWriter err) {
        if (response.ok()) {
            return 0;
        }
        err.println(response.kind().equals(REFUSED) ? response.error() : "error: " + response.error());
        err.flush();
        return 1;
    }
}
