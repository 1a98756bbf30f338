package dev.slipway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's gate and live stream over a real controller: a one-time login link becomes an HttpOnly,
 * SameSite=Strict session; every page, asset and stream wants the session or the token; a browser's actions
 * need the page's CSRF token and this server's origin; the stream shows a change without being asked again.
 */
class DashboardTest {
    private static final ObjectMapper JSON = new ObjectMapper();


    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    @TempDir
    Path stateDirectory;
    private ServerFixture fixture;
    private ApiServer server;

    @BeforeEach
    void start() throws Exception {
        fixture = ServerFixture.start(stateDirectory);
        server = fixture.server;
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void aLoginLinkWorksOnceAndGrantsAnHttpOnlySameSiteStrictSession() throws Exception {
        URI link = loginLink();
        assertThat(link.toString()).startsWith(server.url() + "/login?code=");

        HttpResponse<String> login = send(HttpRequest.newBuilder(link).GET());
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("Location")).contains("/");
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        HttpResponse<String> again = send(HttpRequest.newBuilder(link).GET());
        assertThat(again.statusCode()).isEqualTo(401);
        assertThat(again.body()).contains("used already or has expired");

        HttpResponse<String> page = send(HttpRequest.newBuilder(server.url().resolve("/")).header("Cookie", cookie).GET());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
        assertThat(page.body()).contains("<title>orders · Slipway</title>").contains("/dashboard/app.js");
        assertThat(csrfOf(page.body())).hasSize(43);
        assertThat(page.body()).doesNotContain("cdn").doesNotContain("https://");
    }

    @Test
    void thePageItsAssetsAndItsStreamWantASessionOrTheToken() throws Exception {
        for (String path : new String[] {"/", "/dashboard/app.js", "/dashboard/app.css"}) {
            HttpResponse<String> anonymous = send(HttpRequest.newBuilder(server.url().resolve(path)).GET());
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.body()).as(path).contains("slipway dashboard");
        }
        HttpResponse<String> stream = send(HttpRequest.newBuilder(server.url().resolve("/api/v1/dashboard/events")).GET());
        assertThat(stream.statusCode()).isEqualTo(401);
        HttpResponse<String> wrongCookie = send(HttpRequest.newBuilder(server.url().resolve("/"))
                .header("Cookie", "slipway_session_" + server.url().getPort() + "=guessed").GET());
        assertThat(wrongCookie.statusCode()).isEqualTo(401);

        String cookie = login();
        HttpResponse<String> script = send(HttpRequest.newBuilder(server.url().resolve("/dashboard/app.js"))
                .header("Cookie", cookie).GET());
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(script.body()).contains("new EventSource('/api/v1/dashboard/events')");
    }

    @Test
    void aBrowserActionNeedsTheCsrfTokenOfItsSessionAndThisServersOrigin() throws Exception {
        String cookie = login();
        String csrf = csrfOf(send(HttpRequest.newBuilder(server.url().resolve("/")).header("Cookie", cookie).GET()).body());
        URI promote = server.url().resolve("/api/v1/rollout/promote");

        HttpResponse<String> noToken = send(HttpRequest.newBuilder(promote).header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(error(noToken)).contains("X-Slipway-CSRF");

        HttpResponse<String> otherSite = send(HttpRequest.newBuilder(promote).header("Cookie", cookie)
                .header("X-Slipway-CSRF", csrf).header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(otherSite.statusCode()).isEqualTo(403);
        assertThat(error(otherSite)).contains("cross-origin");

        // with both, the request reaches the controller, which has no rollout to promote
        HttpResponse<String> accepted = send(HttpRequest.newBuilder(promote).header("Cookie", cookie)
                .header("X-Slipway-CSRF", csrf).header("Origin", server.url().toString())
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(accepted.statusCode()).isEqualTo(409);
        assertThat(error(accepted)).contains("no rollout is in progress");

        // a session cannot mint login links: that takes the token from api.json
        HttpResponse<String> link = send(HttpRequest.newBuilder(server.url().resolve("/api/v1/dashboard/login-link"))
                .header("Cookie", cookie).header("X-Slipway-CSRF", csrf).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(link.statusCode()).isEqualTo(403);
    }

    @Test
    void aRequestNamingAnotherHostIsRefused() throws Exception {
        // DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 sends its own Host header
        try (Socket socket = new Socket("127.0.0.1", server.url().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/v1/status HTTP/1.1\r\nHost: evil.example:" + server.url().getPort()
                    + "\r\nAuthorization: Bearer " + server.token() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertThat(statusLine).startsWith("HTTP/1.1 403");
        }
    }

    @Test
    void theStreamSendsTheStateAtOnceAndEveryChangeWithoutBeingAskedAgain() throws Exception {
        String cookie = login();
        HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(server.url().resolve("/api/v1/dashboard/events"))
                .header("Cookie", cookie).timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        try (BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            JsonNode first = nextSnapshot(events);
            assertThat(first.path("status").path("service").asText()).isEqualTo("orders");
            assertThat(first.path("status").path("schemaState").size()).isZero();

            HttpResponse<String> started = send(HttpRequest.newBuilder(server.url().resolve("/api/v1/schema/start?file=001.yaml"))
                    .header("Authorization", "Bearer " + server.token())
                    .POST(HttpRequest.BodyPublishers.ofString(ServerFixture.MIGRATION_1)));
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);

            JsonNode next = nextSnapshot(events);
            while (next.path("status").path("schemaState").size() == 0) {
                next = nextSnapshot(events);
            }
            assertThat(next.path("status").path("schemaState").toString()).isEqualTo("[1]");
            assertThat(next.path("history").get(0).path("action").asText()).startsWith("schema start of version 1");
        }
    }

    /** The next {@code event: status} frame's JSON (blocks until the server sends one). */
    private static JsonNode nextSnapshot(BufferedReader events) throws Exception {
        String line;
        boolean statusEvent = false;
        while ((line = events.readLine()) != null) {
            if (line.equals("event: status")) {
                statusEvent = true;
            } else if (statusEvent && line.startsWith("data: ")) {
                return JSON.readTree(line.substring("data: ".length()));
            }
        }
        throw new AssertionError("the stream ended");
    }

    private URI loginLink() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(server.url().resolve("/api/v1/dashboard/login-link"))
                .header("Authorization", "Bearer " + server.token()).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return URI.create(JSON.readTree(response.body()).path("url").asText());
    }

    /** Logs in through a fresh link and returns the {@code name=value} of the session cookie. */
    private String login() throws Exception {
        String setCookie = send(HttpRequest.newBuilder(loginLink()).GET()).headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private static String csrfOf(String page) {
        Matcher matcher = Pattern.compile("name=\"slipway-csrf\" content=\"([^\"]*)\"").matcher(page);
        assertThat(matcher.find()).as("the page carries a CSRF token").isTrue();
        return matcher.group(1);
    }

    private static String error(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body()).path("error").asText();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
