package dev.slipway.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WhiteoutsTest {

    @Test
    void aWhiteoutIsTheDeletedNamePrefixedWithWhInTheSameDirectory() {
        assertThat(Whiteouts.whiteoutFor("/app/lib/a.jar")).isEqualTo("/app/lib/.wh.a.jar");
        assertThat(Whiteouts.whiteoutFor("/top")).isEqualTo("/.wh.top");
        assertThat(Whiteouts.deletedPath("/app/lib/.wh.a.jar")).isEqualTo("/app/lib/a.jar");
    }

    @Test
    void theOpaqueMarkerIsAWhiteoutButNotAPlainOne() {
        assertThat(Whiteouts.isWhiteout("/d/.wh..wh..opq")).isTrue();
        assertThat(Whiteouts.isOpaque("/d/.wh..wh..opq")).isTrue();
        assertThatThrownBy(() -> Whiteouts.deletedPath("/d/.wh..wh..opq")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Whiteouts.whiteoutFor("/")).isInstanceOf(IllegalArgumentException.class);
    }
}
