package dev.slipway.router;

import dev.slipway.model.RouterSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates made when a test runs (nothing private is committed): the JDK's own keytool makes a
 * key pair for {@code localhost} / {@code 127.0.0.1}, written out as the PEM files the router reads.
 *
 * @param certificatePem the certificate, PEM
 * @param keyPem         its private key, PKCS#8 PEM
 * @param certificate    the certificate, for a client that trusts exactly it
 */
record TestCertificates(String certificatePem, String keyPem, Certificate certificate) {

    static TestCertificates generate(Path directory, String name) {
        Path keyStore = directory.resolve(name + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        try {
            Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname",
                    "secp256r1", "-dname", "CN=" + name, "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1", "-validity", "2",
                    "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                store.load(in, "changeit".toCharArray());
            }
            Certificate certificate = store.getCertificate(name);
            byte[] key = store.getKey(name, "changeit".toCharArray()).getEncoded();
            return new TestCertificates(pem("CERTIFICATE", certificate.getEncoded()), pem("PRIVATE KEY", key), certificate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes both PEM files into {@code directory} (replacing earlier ones) and names them for the router. */
    RouterSpec.Tls writeTo(Path directory) {
        RouterSpec.Tls files = new RouterSpec.Tls(directory.resolve("cert.pem"), directory.resolve("key.pem"));
        write(files.certificate(), certificatePem);
        write(files.key(), keyPem);
        return files;
    }

    /** A TLS context that trusts this certificate and nothing else. */
    SSLContext trustingOnlyThis() {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            trusted.setCertificateEntry("server", certificate);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static void write(Path file, String content) {
        try {
            // Through a temporary file and a rename, as certificate renewal tools do: the router never reads half a file.
            Path temporary = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), content);
            Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
