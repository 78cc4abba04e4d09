package io.adagio.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenFileTest {
    @Test
    void namesAndTokensCommentsAndBlankLines() {
        var entries = TokenFile.parse("""
                # who may call the API
                alice:s3cr3t-t0ken-of-alice-0123456789

                  ci-bot@build : token:with:colons-and-more-chars
                \t# indented comment
                """);
        assertThat(entries).extracting(TokenFile.Entry::name).containsExactly("alice", "ci-bot@build");
        assertThat(entries.get(0).digest()).isEqualTo(TokenFile.digest("s3cr3t-t0ken-of-alice-0123456789"));
        assertThat(entries.get(1).digest()).isEqualTo(TokenFile.digest("token:with:colons-and-more-chars"));
    }

    @Test
    void aByteOrderMarkAndWindowsLineEndsAreTolerated() {
        var entries = TokenFile.parse("\uFEFFalice:aaaaaaaaaaaaaaaaaaaa\r\nbob:bbbbbbbbbbbbbbbbbbbb\r\n");
        assertThat(entries).extracting(TokenFile.Entry::name).containsExactly("alice", "bob");
        assertThat(entries.get(1).digest()).isEqualTo(TokenFile.digest("bbbbbbbbbbbbbbbbbbbb"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no colon              | alice                           | line 1: expected NAME:TOKEN
            empty name            | :sekrit-sekrit-sekrit           | line 1: the name
            name with a space     | al ice:sekrit-sekrit-sekrit     | line 1: the name
            empty token           | alice:                          | line 1: the token
            token with a space    | alice:sek rit                   | line 1: the token
            same name twice       | alice:aaaaaaaaaaaaaaaa\\nalice:bbbbbbbbbbbbbbbb | line 2: the name "alice" is already used on line 1
            same token twice      | alice:aaaaaaaaaaaaaaaa\\nbob:aaaaaaaaaaaaaaaa | line 2: the same token is already on line 1
            """)
    void mistakesNameTheLineButNeverItsText(String what, String content, String message) {
        assertThatThrownBy(() -> TokenFile.parse(content.replace("\\n", "\n")))
                .isInstanceOf(TokenFile.InvalidException.class)
                .hasMessageContaining(message)
                .hasMessageNotContaining("sekrit")
                .hasMessageNotContaining("aaaaaaaaaaaaaaaa");
    }
}
