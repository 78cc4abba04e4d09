package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** adagiod asked to listen beyond loopback, and given unusable credential files. */
class ExposureEndToEndTest {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @Test
    void aNonLoopbackListenAddressWithoutAuthenticationExitsTwoWithOneLine() {
        int port = AdagiodProcess.freePort();
        try (var daemon = AdagiodProcess.start("-listen", "0.0.0.0:" + port)) {
            assertThat(daemon.awaitExit(EXIT)).as(daemon.log()).isEqualTo(2);
            assertThat(daemon.stderr().lines().toList()).as(daemon.stderr()).hasSize(1);
            assertThat(daemon.stderr())
                    .startsWith("adagiod: ")
                    .contains("0.0.0.0:" + port, "-auth-token-file", "-tls-client-ca-file");
        }
    }

    @Test
    void insecureNoAuthStartsAndWarnsLoudly() {
        int port = AdagiodProcess.freePort();
        try (var daemon =
                AdagiodProcess.start("-listen", "0.0.0.0:" + port, "-insecure-no-auth", "-agent-count", "1")) {
            daemon.awaitApi(EXIT);
            daemon.awaitLog("SECURITY WARNING", EXIT);
            assertThat(daemon.stderr()).contains("WARN", "has no authentication (-insecure-no-auth)");
            // Loopback still reaches it.
            var api = new ApiClient("http://127.0.0.1:" + port);
            assertThat(api.get("/v0/stats").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anInvalidTokenFileExitsTwoNamingTheLineNotTheToken(@TempDir Path dir) throws Exception {
        var tokens = Files.writeString(dir.resolve("tokens"), "alice:ok-token-0123456789abcdef\nbob secret-of-bob\n");
        try (var daemon = AdagiodProcess.start("-listen", "127.0.0.1:0", "-auth-token-file", tokens.toString())) {
            assertThat(daemon.awaitExit(EXIT)).as(daemon.log()).isEqualTo(2);
            assertThat(daemon.stderr())
                    .contains("-auth-token-file", tokens.toString(), "line 2")
                    .doesNotContain("secret-of-bob", "ok-token", "\tat ");
        }
    }
}
