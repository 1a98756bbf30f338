package dev.slipway.router;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KnownHeadersTest {

    @Test
    void everyKnownHeaderHasItsOwnBitWhateverItsCase() {
        List<AsciiString> names = KnownHeaders.names();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).toString();
            assertThat(KnownHeaders.bitOf(name.toUpperCase())).as(name).isEqualTo(1 << i);
            assertThat(KnownHeaders.bitOf(name.toLowerCase())).as(name).isEqualTo(1 << i);
        }
        assertThat(KnownHeaders.bitOf("Host")).isZero();
        assertThat(KnownHeaders.bitOf("X-Forwarded-Fo")).isZero();
    }

    @Test
    void aHeaderBlockIsReadInOnePass() {
        HttpHeaders headers = new DefaultHttpHeaders().add("Host", "x").add("connection", "close")
                .add("Content-Length", "5").add("X-Real-IP", "1.2.3.4").add("TE", "trailers");

        int known = KnownHeaders.of(headers);

        assertThat(known).isEqualTo(KnownHeaders.CONNECTION | KnownHeaders.CONTENT_LENGTH | KnownHeaders.REAL_IP
                | KnownHeaders.TE);
    }
}
