package dev.slipway.model.support;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TokensTest {

    @Test
    void aTokenIs32RandomBytesInUrlSafeBase64() {
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            tokens.add(Tokens.newToken());
        }
        assertThat(tokens).hasSize(100).allSatisfy(token -> assertThat(token).hasSize(43).matches("[A-Za-z0-9_-]+"));
    }

    @Test
    void onlyTheBearerOfTheExactTokenIsLetIn() {
        String token = Tokens.newToken();

        assertThat(Tokens.presents(Tokens.bearer(token), token)).isTrue();
        assertThat(Tokens.presents("bearer " + token, token)).as("the scheme in any case").isTrue();
        assertThat(Tokens.presents("Bearer  " + token + " ", token)).as("surrounding spaces").isTrue();
        assertThat(Tokens.presents("Bearer " + token + "x", token)).isFalse();
        assertThat(Tokens.presents("Bearer " + token.substring(1), token)).isFalse();
        assertThat(Tokens.presents("Basic " + token, token)).isFalse();
        assertThat(Tokens.presents(token, token)).isFalse();
        assertThat(Tokens.presents(null, token)).isFalse();
        assertThat(Tokens.presents("Bearer ", null)).isFalse();
    }
}
