package dev.slipway.router;

import dev.slipway.model.RouterSpec;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The TLS side of the client listeners: a Netty {@link SslContext} built from a PEM certificate chain and a PKCS#8
 * PEM private key, re-read when either file changes so a renewed certificate needs no restart. New connections get
 * the new certificate; open ones keep theirs. A pair that does not load (a key that does not match the
 * certificate, half-written files during a renewal) is refused with a log line and the previous pair stays in
 * force; at start-up it is an error naming the file.
 */
final class TlsContext implements AutoCloseable {

    static final Duration POLL_INTERVAL = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(TlsContext.class);
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private final RouterSpec.Tls files;
    private final long handshakeTimeoutMillis;
    private volatile SslContext current;
    private byte[] loadedCertificate;
    private byte[] loadedKey;
    /** The last pair that failed to load, so a broken renewal is reported once, not at every poll. */
    private byte[] refusedCertificate;
    private byte[] refusedKey;
    private ScheduledFuture<?> poll;

    private TlsContext(RouterSpec.Tls files, Duration handshakeTimeout) {
        this.files = files;
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
    }

    /**
     * Loads the pair now (or fails naming the file and the problem) and re-reads it every {@code pollInterval} on
     * {@code executor}.
     */
    static TlsContext start(RouterSpec.Tls files, Duration handshakeTimeout, EventExecutor executor,
                            Duration pollInterval) {
        TlsContext context = new TlsContext(files, handshakeTimeout);
        byte[] certificate = read(files.certificate());
        byte[] key = read(files.key());
        context.current = build(files, certificate, key);
        context.loadedCertificate = certificate;
        context.loadedKey = key;
        context.poll = executor.scheduleWithFixedDelay(context::reloadIfChanged, pollInterval.toMillis(),
                pollInterval.toMillis(), TimeUnit.MILLISECONDS);
        return context;
    }

    SslHandler newHandler(ByteBufAllocator allocator) {
        SslHandler handler = current.newHandler(allocator);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    @Override
    public void close() {
        if (poll != null) {
            poll.cancel(false);
        }
    }

    private void reloadIfChanged() {
        byte[] certificate;
        byte[] key;
        try {
            certificate = read(files.certificate());
            key = read(files.key());
        } catch (IllegalArgumentException e) {
            LOG.warn("TLS files not reloaded, the loaded certificate stays in force: {}", e.getMessage());
            return;
        }
        if (Arrays.equals(certificate, loadedCertificate) && Arrays.equals(key, loadedKey)) {
            return;
        }
        try {
            current = build(files, certificate, key);
            loadedCertificate = certificate;
            loadedKey = key;
            refusedCertificate = null;
            refusedKey = null;
            LOG.info("TLS certificate {} reloaded", files.certificate());
        } catch (IllegalArgumentException e) {
            if (!Arrays.equals(certificate, refusedCertificate) || !Arrays.equals(key, refusedKey)) {
                LOG.warn("TLS files changed but do not load; the previous certificate stays in force: {}",
                        e.getMessage());
                refusedCertificate = certificate;
                refusedKey = key;
            }
        }
    }

    private static SslContext build(RouterSpec.Tls files, byte[] certificatePem, byte[] keyPem) {
        X509Certificate[] chain = certificates(files.certificate(), certificatePem);
        PrivateKey key = privateKey(files.key(), keyPem);
        requireMatch(files, key, chain[0].getPublicKey());
        try {
            return SslContextBuilder.forServer(key, chain).build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("TLS: " + files.certificate() + " with " + files.key() + ": "
                    + e.getMessage(), e);
        }
    }

    private static X509Certificate[] certificates(Path file, byte[] pem) {
        try {
            List<? extends Certificate> certificates = List.copyOf(CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)));
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(file + ": no PEM certificate (BEGIN CERTIFICATE) in it");
            }
            return certificates.stream().map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not a PEM certificate chain: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file, byte[] pem) {
        String text = new String(pem, StandardCharsets.US_ASCII);
        Matcher matcher = PRIVATE_KEY.matcher(text);
        if (!matcher.find()) {
            String hint = text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
                    ? " (this one is PKCS#1/SEC1: convert it with openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)"
                    : text.contains("BEGIN ENCRYPTED PRIVATE KEY") ? " (this one is encrypted; the router needs it"
                    + " unencrypted, readable by its user only)" : "";
            throw new IllegalArgumentException(file + ": no PKCS#8 private key (BEGIN PRIVATE KEY) in it" + hint);
        }
        byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisAlgorithm) {
                // try the next one
            }
        }
        throw new IllegalArgumentException(file + ": a PKCS#8 key of an algorithm the JDK cannot read");
    }

    /** Signs with the key and verifies with the certificate: a mismatched pair would fail every handshake. */
    private static void requireMatch(RouterSpec.Tls files, PrivateKey key, PublicKey certified) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        byte[] probe = "slipway".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException(files.key() + " is not the private key of the certificate in "
                    + files.certificate());
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read it: " + e.getMessage(), e);
        }
    }
}
