package dev.slipway.cli;

import java.io.PrintWriter;

/** How the client commands turn a failed API answer into output and an exit code. */
final class ApiAnswers {
    private ApiAnswers() {
    }

    /**
     * 0 when the answer is a success; otherwise prints the server's message and returns 1. A guard refusal
     * ("refused: ...") is printed as it is; anything else gets the usual {@code error: } prefix.
     */
    static int exitCode(ApiClient.ApiResponse response, PrintWriter err) {
        if (response.ok()) {
            return 0;
        }
        String message = response.error();
        err.println(message.startsWith("refused:") ? message : "error: " + message);
        err.flush();
        return 1;
    }
}
