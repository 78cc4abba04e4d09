package io.adagio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.client.AdagioClientException.Code;
import io.adagio.client.workflow.Debug;
import io.adagio.client.workflow.WorkflowBuilder;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's token and TLS options against a real adagiod that requires TLS, a client certificate and a token. */
class AdagioClientSecurityTest {
    private static final String TOKEN = "client-test-token-0123456789abcdef";

    @TempDir
    static Path dir;

    static TestCertificates ca;
    static TestCertificates.Issued alice;
    static AdagiodProcess daemon;
    static String address;

    @BeforeAll
    static void startDaemon() throws Exception {
        ca = TestCertificates.authority(dir.resolve("ca"), "test-ca");
        var server = ca.server("api");
        alice = ca.client("alice");
        var tokens = Files.writeString(dir.resolve("tokens"), "alice:" + TOKEN + "\n");
        daemon = AdagiodProcess.start(
                "-listen", "127.0.0.1:0",
                "-agent-count", "1",
                "-tls-cert-file", server.certificateFile().toString(),
                "-tls-key-file", server.keyFile().toString(),
                "-tls-client-ca-file", ca.certificateFile().toString(),
                "-auth-token-file", tokens.toString());
        address = daemon.awaitApi(Duration.ofSeconds(60));
        assertThat(address).startsWith("https://");
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            daemon.close();
            assertThat(daemon.log()).doesNotContain(TOKEN);
        }
    }

    private static AdagioClient.Builder trusted() {
        return AdagioClient.builder()
                .address(address)
                .callTimeout(Duration.ofSeconds(30))
                .caFile(ca.certificateFile())
                .clientCertificate(alice.certificateFile(), alice.keyFile());
    }

    @Test
    void withTheCaACertificateAndTheTokenEverythingWorks() throws Exception {
        try (var client = trusted().token(TOKEN).build()) {
            var workflow = new WorkflowBuilder();
            workflow.node("a", Debug.success());
            var run = client.start(workflow.build());
            assertThat(client.awaitCompletion(run.id(), Duration.ofSeconds(60)).status())
                    .isEqualTo(io.adagio.core.model.RunStatus.COMPLETED);
            daemon.awaitLog("run " + run.id() + " started by alice from 127.0.0.1", Duration.ofSeconds(10));
            assertThat(client.stats().runCount()).isPositive();
        }
        // A HOST:PORT address with -tls-like settings reaches the same server.
        try (var client = trusted().address(daemon.address()).token(TOKEN).build()) {
            assertThat(client.agents()).isNotNull();
        }
    }

    @Test
    void withoutTheTokenTheCallIsUnauthenticatedAndSaysSo() {
        try (var client = trusted().build()) {
            assertThatThrownBy(client::stats).isInstanceOfSatisfying(AdagioClientException.class, e -> {
                assertThat(e.code()).isEqualTo(Code.UNAUTHENTICATED);
                assertThat(e.getMessage()).contains("refused the call", "bearer token is required");
            });
        }
        try (var client = trusted().token("wrong-" + TOKEN).build()) {
            assertThatThrownBy(client::stats).isInstanceOfSatisfying(AdagioClientException.class, e -> {
                assertThat(e.code()).isEqualTo(Code.UNAUTHENTICATED);
                assertThat(e.getMessage()).contains("invalid bearer token").doesNotContain(TOKEN);
            });
        }
    }

    @Test
    void withoutAClientCertificateTheCallIsUnauthenticated() {
        try (var client = AdagioClient.builder()
                .address(address)
                .caFile(ca.certificateFile())
                .token(TOKEN)
                .build()) {
            assertThatThrownBy(client::stats).isInstanceOfSatisfying(AdagioClientException.class, e -> {
                assertThat(e.code()).isEqualTo(Code.UNAUTHENTICATED);
                assertThat(e.getMessage()).contains("client certificate is required");
            });
        }
    }

    @Test
    void withoutTheCaOrWithoutTlsTheServerCannotBeReached() {
        try (var client = AdagioClient.builder()
                .address(address)
                .clientCertificate(alice.certificateFile(), alice.keyFile())
                .token(TOKEN)
                .callTimeout(Duration.ofSeconds(30))
                .build()) {
            assertThatThrownBy(client::stats).isInstanceOfSatisfying(AdagioClientException.class, e -> {
                assertThat(e.code()).isEqualTo(Code.UNAVAILABLE);
                assertThat(e.getMessage()).contains("TLS");
            });
        }
        try (var client = AdagioClient.builder()
                .address(daemon.address())
                .token(TOKEN)
                .callTimeout(Duration.ofSeconds(30))
                .build()) {
            assertThatThrownBy(client::stats).isInstanceOfSatisfying(AdagioClientException.class, e -> {
                assertThat(e.code()).isIn(Code.UNAVAILABLE, Code.UNKNOWN, Code.INTERNAL);
                assertThat(e.getMessage()).contains("TLS");
            });
        }
    }

    @Test
    void unusableSettingsAreRefusedAtOnce() {
        assertThatThrownBy(() -> AdagioClient.builder()
                        .caFile(dir.resolve("missing.pem"))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing.pem");
        assertThatThrownBy(() -> AdagioClient.builder()
                        .clientCertificate(alice.certificateFile(), null)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key");
        assertThatThrownBy(() -> AdagioClient.builder().token("two words").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token")
                .hasMessageNotContaining("two words");
    }
}
