package io.adagio.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
    private static final String ALICE = "alice-token-0123456789abcdef";
    private static final String BOB = "bob-token-0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void aTokenNamesItsOwnerAndNothingElseMatches() throws Exception {
        try (var store = open("alice:" + ALICE + "\nbob:" + BOB + "\n")) {
            assertThat(store.nameOf(ALICE)).contains("alice");
            assertThat(store.nameOf(BOB)).contains("bob");
            assertThat(store.nameOf(ALICE.substring(0, 10))).isEmpty();
            assertThat(store.nameOf(ALICE + "x")).isEmpty();
            assertThat(store.nameOf("")).isEmpty();
            assertThat(store.nameOf(null)).isEmpty();
            assertThat(store.nameOf("alice")).isEmpty();
        }
    }

    @Test
    void aChangedFileIsReadAgainByItself() throws Exception {
        try (var store = open("alice:" + ALICE + "\n")) {
            write("bob:" + BOB + "\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> store.nameOf(BOB).isPresent());
            assertThat(store.nameOf(ALICE)).isEmpty();
        }
    }

    @Test
    void aFileReplacedByRenameIsReadAgain() throws Exception {
        try (var store = open("alice:" + ALICE + "\n")) {
            Path next = dir.resolve("next");
            Files.writeString(next, "bob:" + BOB + "\n");
            Files.move(
                    next, dir.resolve("tokens"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(10)).until(() -> store.nameOf(BOB).isPresent());
        }
    }

    @Test
    void reloadReadsTheFileAtOnce() throws Exception {
        try (var store = TokenStore.open(write("alice:" + ALICE + "\n"), Duration.ofHours(1))) {
            write("bob:" + BOB + "\n");
            assertThat(store.nameOf(BOB)).isEmpty();
            assertThat(store.reload()).isTrue();
            assertThat(store.nameOf(BOB)).contains("bob");
            assertThat(store.nameOf(ALICE)).isEmpty();
        }
    }

    @Test
    void anInvalidOrMissingFileKeepsTheTokensInForce() throws Exception {
        try (var store = TokenStore.open(write("alice:" + ALICE + "\n"), Duration.ofHours(1))) {
            write("alice " + ALICE + "\n");
            assertThat(store.reload()).isFalse();
            assertThat(store.nameOf(ALICE)).contains("alice");
            Files.delete(dir.resolve("tokens"));
            assertThat(store.reload()).isFalse();
            assertThat(store.nameOf(ALICE)).contains("alice");
        }
    }

    @Test
    void anEmptiedFileRevokesEveryToken() throws Exception {
        try (var store = TokenStore.open(write("alice:" + ALICE + "\n"), Duration.ofHours(1))) {
            write("# nobody for now\n");
            assertThat(store.reload()).isTrue();
            assertThat(store.nameOf(ALICE)).isEqualTo(Optional.empty());
        }
    }

    @Test
    void openingNeedsAReadableValidFileWithATokenInIt() throws Exception {
        assertThatThrownBy(() -> TokenStore.open(dir.resolve("missing"), Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing")
                .hasMessageContaining("no such file");
        assertThatThrownBy(() -> TokenStore.open(dir, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> TokenStore.open(write("# empty\n"), Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds no token");
        assertThatThrownBy(() -> TokenStore.open(write("alice=" + ALICE + "\n"), Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 1")
                .hasMessageNotContaining(ALICE);
    }

    private TokenStore open(String content) throws Exception {
        return TokenStore.open(write(content), Duration.ofMillis(50));
    }

    private Path write(String content) throws Exception {
        return Files.writeString(dir.resolve("tokens"), content);
    }
}
