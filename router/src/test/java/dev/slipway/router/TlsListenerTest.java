package dev.slipway.router;

import dev.slipway.model.RouterSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;

import static dev.slipway.router.Http.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HTTPS on the client listener, from PEM files that are re-read when a renewal replaces them. */
class TlsListenerTest {

    @TempDir
    Path directory;

    private final TestUpstream upstream = TestUpstream.start("app");
    private BuiltInRouter router;

    @AfterEach
    void stop() {
        if (router != null) {
            router.close();
        }
        upstream.close();
    }

    @Test
    void clientsSpeakHttpsAndTheUpstreamLearnsTheScheme() throws Exception {
        TestCertificates certificates = TestCertificates.generate(directory, "first");
        router = BuiltInRouter.start(RouterConfig.onLoopback().withTls(certificates.writeTo(directory)));
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));

        HttpResponse<String> response = get(certificates.trustingOnlyThis(), "/headers?name=X-Forwarded-Proto");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("https");
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestart() throws Exception {
        TestCertificates first = TestCertificates.generate(directory, "first");
        TestCertificates renewed = TestCertificates.generate(directory, "renewed");
        router = BuiltInRouter.start(RouterConfig.onLoopback().withTls(first.writeTo(directory)));
        router.route(RouteTable.single(backend("1.0.0", 1, upstream)));
        assertThat(get(first.trustingOnlyThis(), "/").body()).isEqualTo("app");

        renewed.writeTo(directory);

        // The files are polled: wait for the new certificate to be served, however long the poll takes here.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> withRenewed = null;
        while (withRenewed == null && System.nanoTime() < deadline) {
            try {
                withRenewed = get(renewed.trustingOnlyThis(), "/");
            } catch (IOException stillTheFirst) {
                Http.sleep(100);
            }
        }
        assertThat(withRenewed).as("served with the renewed certificate").isNotNull();
        assertThat(withRenewed.body()).isEqualTo("app");
        assertThatThrownBy(() -> get(first.trustingOnlyThis(), "/")).as("the old one is gone")
                .isInstanceOf(IOException.class);
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedAtStartNamingTheFiles() {
        TestCertificates first = TestCertificates.generate(directory, "first");
        TestCertificates other = TestCertificates.generate(directory, "other");
        RouterSpec.Tls files = first.writeTo(directory);
        TestCertificates.write(files.key(), other.keyPem());

        assertThatThrownBy(() -> BuiltInRouter.start(RouterConfig.onLoopback().withTls(files)))
                .hasMessage(files.key() + " is not the private key of the certificate in " + files.certificate());
        TestCertificates.write(files.key(), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> BuiltInRouter.start(RouterConfig.onLoopback().withTls(files)))
                .hasMessageContaining("no PKCS#8 private key (BEGIN PRIVATE KEY) in it (this one is PKCS#1/SEC1");
        assertThatThrownBy(() -> BuiltInRouter.start(RouterConfig.onLoopback().withTls(
                new RouterSpec.Tls(directory.resolve("missing.pem"), files.key()))))
                .hasMessage(directory.resolve("missing.pem") + ": no such file");
    }

    private HttpResponse<String> get(SSLContext trust, String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().sslContext(trust).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + router.address().getPort() + path))
                .timeout(Http.HUNG).build(), HttpResponse.BodyHandlers.ofString());
    }
}
