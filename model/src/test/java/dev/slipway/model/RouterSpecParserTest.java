package dev.slipway.model;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code router:} section: listeners, TLS files, timeouts, the connection limit and trusted proxies. */
class RouterSpecParserTest {

    private static final String RELEASE = """
            release:
              version: 1.0.0
              run: {command: [java, -jar, app.jar]}
              schema: 1
              strategy: {rolling: {}}
            """;

    private static RouterSpec parse(String router) {
        return SpecParser.parse("/srv/orders/slipway.yaml", "service: orders\nrouter:\n" + router + RELEASE).router();
    }

    private static void assertRefused(String router, String message) {
        assertThatThrownBy(() -> parse(router)).isInstanceOf(SpecException.class).hasMessage(message);
    }

    @Test
    void withoutARouterSectionEverythingHasItsDefault() {
        RouterSpec router = SpecParser.parse("slipway.yaml", "service: orders\n" + RELEASE).router();

        assertThat(router).isEqualTo(RouterSpec.defaults());
        assertThat(router.listen()).isEqualTo("127.0.0.1:8080");
        assertThat(router.admin()).as("the admin port stays on loopback").isEqualTo("127.0.0.1:0");
        assertThat(router.tls()).isEmpty();
        assertThat(router.timeouts()).isEqualTo(new RouterSpec.Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60)));
        assertThat(router.maxConnections()).isEqualTo(10_000);
        assertThat(router.trustedProxies()).isEmpty();
    }

    @Test
    void everyFieldIsRead() {
        RouterSpec router = parse("""
                  listen: "[::]:8443"
                  preview: 0.0.0.0:8444
                  admin: 10.0.0.5:9090
                  tls: {certificate: tls/cert.pem, key: /etc/orders/key.pem}
                  timeouts: {header: 5s, bodyIdle: 20s, keepAliveIdle: 2m, upstreamConnect: 500ms, upstreamResponse: 10s,
                             upstreamIdle: 45s}
                  maxConnections: 2000
                  trustedProxies: [10.0.0.0/8, 192.168.1.7, "fd00::/8"]
                """);

        assertThat(router.listen()).isEqualTo("[::]:8443");
        assertThat(router.preview()).contains("0.0.0.0:8444");
        assertThat(router.admin()).isEqualTo("10.0.0.5:9090");
        assertThat(router.tls()).contains(new RouterSpec.Tls(Path.of("/srv/orders/tls/cert.pem").toAbsolutePath(),
                Path.of("/etc/orders/key.pem")));
        assertThat(router.timeouts()).isEqualTo(new RouterSpec.Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(20),
                Duration.ofMinutes(2), Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofSeconds(45)));
        assertThat(router.maxConnections()).isEqualTo(2000);
        assertThat(router.trustedProxies()).extracting(AddressRange::toString)
                .containsExactly("10.0.0.0/8", "192.168.1.7/32", "fd00:0:0:0:0:0:0:0/8");
    }

    @Test
    void unsetTimeoutsKeepTheirDefaults() {
        assertThat(parse("  timeouts: {header: 3s}\n").timeouts())
                .isEqualTo(new RouterSpec.Timeouts(Duration.ofSeconds(3), Duration.ofSeconds(30), Duration.ofSeconds(60),
                        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60)));
    }

    @Test
    void mistakesAreLocatedAtTheirValue() {
        assertRefused("  admin: 127.0.0.1:8080\n",
                "/srv/orders/slipway.yaml:3:10: router.admin: '127.0.0.1:8080' is router.listen already; every listener"
                        + " needs a port of its own");
        assertRefused("  tls: {certificate: cert.pem}\n",
                "/srv/orders/slipway.yaml:3:8: router.tls: missing required field 'key'");
        assertRefused("  tls: {certificate: cert.pem, key: key.pem, password: x}\n",
                "/srv/orders/slipway.yaml:3:46: router.tls.password: unknown field 'password'; expected one of"
                        + " [certificate, key]");
        assertRefused("  timeouts: {header: 0s}\n",
                "/srv/orders/slipway.yaml:3:22: router.timeouts.header: 0s is not a timeout (more than 0, at most 24h)");
        assertRefused("  timeouts: {headers: 5s}\n",
                "/srv/orders/slipway.yaml:3:14: router.timeouts.headers: unknown field 'headers' (did you mean 'header'?);"
                        + " expected one of [bodyIdle, header, keepAliveIdle, upstreamConnect, upstreamIdle, upstreamResponse]");
        assertRefused("  timeouts: {bodyIdle: soon}\n",
                "/srv/orders/slipway.yaml:3:24: router.timeouts.bodyIdle: 'soon' is not a duration (use e.g. 500ms, 30s,"
                        + " 5m, 24h, 1h30m)");
        assertRefused("  maxConnections: 0\n",
                "/srv/orders/slipway.yaml:3:19: router.maxConnections: 0 is out of range (1..1000000)");
        assertRefused("  trustedProxies: [10.0.0.0/8, 10.0.0.0/33]\n",
                "/srv/orders/slipway.yaml:3:32: router.trustedProxies[1]: '10.0.0.0/33': the prefix length must be 0..32");
        assertRefused("  trustedProxies: [proxy.internal]\n",
                "/srv/orders/slipway.yaml:3:20: router.trustedProxies[0]: 'proxy.internal' is not an IP address or CIDR"
                        + " range (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)");
        assertRefused("  trustedProxies: 10.0.0.0/8\n",
                "/srv/orders/slipway.yaml:3:19: router.trustedProxies: expected a list, found '10.0.0.0/8'");
    }

    @Test
    void anAddressRangeContainsWhatItsPrefixCovers() {
        AddressRange tenSlashEight = AddressRange.parse("10.0.0.0/8");
        assertThat(tenSlashEight.contains(new byte[] {10, 1, 2, 3})).isTrue();
        assertThat(tenSlashEight.contains(new byte[] {11, 0, 0, 1})).isFalse();
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        assertThat(tenSlashEight.contains(mapped)).as("IPv4-mapped IPv6").isTrue();
        AddressRange host = AddressRange.parse("192.168.1.7");
        assertThat(host.contains(new byte[] {(byte) 192, (byte) 168, 1, 7})).isTrue();
        assertThat(host.contains(new byte[] {(byte) 192, (byte) 168, 1, 8})).isFalse();
        AddressRange odd = AddressRange.parse("172.16.0.0/12");
        assertThat(odd.contains(new byte[] {(byte) 172, 31, (byte) 255, 1})).isTrue();
        assertThat(odd.contains(new byte[] {(byte) 172, 32, 0, 1})).isFalse();
        assertThat(AddressRange.parse("::1").contains(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})).isTrue();
        assertThat(AddressRange.parse("0.0.0.0/0").contains(new byte[] {8, 8, 8, 8})).isTrue();
        assertThat(List.of("10.0.0.0/8", "::/0")).allSatisfy(range -> assertThat(AddressRange.parse(range)).isNotNull());
    }
}
