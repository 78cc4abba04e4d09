package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import adagio.rpc.controlplane.ControlPlaneGrpc;
import adagio.rpc.controlplane.Service.StatsRequest;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.tls.TestCertificates;
import io.adagio.testkit.tls.TlsContexts;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * adagiod serving its API over TLS, then with client certificates required: HTTPS like
 * {@code curl --cacert}, gRPC with the CA, plaintext refused, a client without a certificate refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsEndToEndTest {
    private static final String SPEC = "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\"}]}}";

    private TestCertificates ca;
    private TestCertificates.Issued alice;
    private AdagiodProcess tls;
    private AdagiodProcess mutual;
    private String tlsBase;
    private String mutualBase;

    @BeforeAll
    void start(@TempDir Path dir) {
        ca = TestCertificates.authority(dir, "test-ca");
        var server = ca.server("api");
        alice = ca.client("alice");
        tls = AdagiodProcess.start(
                "-listen",
                "127.0.0.1:0",
                "-tls-cert-file",
                server.certificateFile().toString(),
                "-tls-key-file",
                server.keyFile().toString());
        mutual = AdagiodProcess.start(
                "api",
                "-listen",
                "127.0.0.1:0",
                "-tls-cert-file",
                server.certificateFile().toString(),
                "-tls-key-file",
                server.keyFile().toString(),
                "-tls-client-ca-file",
                ca.certificateFile().toString());
        tlsBase = tls.awaitApi(Duration.ofSeconds(60));
        mutualBase = mutual.awaitApi(Duration.ofSeconds(60));
    }

    @AfterAll
    void stop() {
        for (var daemon : new AdagiodProcess[] {tls, mutual}) {
            if (daemon != null) {
                daemon.close();
            }
        }
    }

    @Test
    void httpsWithTheCaSucceedsAndPlaintextFails() throws Exception {
        assertThat(tlsBase).startsWith("https://127.0.0.1:");
        var client = HttpClient.newBuilder()
                .sslContext(TlsContexts.trusting(ca.certificateFile()))
                .build();
        var started = client.send(
                HttpRequest.newBuilder(URI.create(tlsBase + "/v0/runs"))
                        .header("content-type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(SPEC))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        for (var path : new String[] {"/v0/stats", "/health", "/metrics", "/"}) {
            assertThat(get(client, tlsBase + path).statusCode()).as(path).isEqualTo(200);
        }

        var plaintext = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        String http = tlsBase.replace("https://", "http://");
        assertThatThrownBy(() -> get(plaintext, http + "/v0/stats")).isInstanceOf(IOException.class);
        // Nor does a client that does not trust the CA get anywhere.
        assertThatThrownBy(() -> get(HttpClient.newHttpClient(), tlsBase + "/health"))
                .isInstanceOf(IOException.class);
    }

    @Test
    void grpcWithTheCaSucceedsAndPlaintextFails() throws Exception {
        var credentials = TlsChannelCredentials.newBuilder()
                .trustManager(ca.certificateFile().toFile())
                .build();
        var secure = channel(tlsBase, credentials);
        try {
            assertThat(ControlPlaneGrpc.newBlockingStub(secure)
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .stats(StatsRequest.getDefaultInstance())
                            .hasStats())
                    .isTrue();
        } finally {
            secure.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        var plain = channel(tlsBase, io.grpc.InsecureChannelCredentials.create());
        try {
            assertThatThrownBy(() -> ControlPlaneGrpc.newBlockingStub(plain)
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .stats(StatsRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class);
        } finally {
            plain.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void withAClientCaAClientWithoutACertificateIsRefused() throws Exception {
        var noCertificate = HttpClient.newBuilder()
                .sslContext(TlsContexts.trusting(ca.certificateFile()))
                .build();
        var refused = get(noCertificate, mutualBase + "/v0/stats");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("client certificate is required");
        // Probes still reach the health check.
        assertThat(get(noCertificate, mutualBase + "/health").statusCode()).isEqualTo(200);

        var grpcWithoutCertificate = channel(
                mutualBase,
                TlsChannelCredentials.newBuilder()
                        .trustManager(ca.certificateFile().toFile())
                        .build());
        try {
            assertThatThrownBy(() -> ControlPlaneGrpc.newBlockingStub(grpcWithoutCertificate)
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .stats(StatsRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        } finally {
            grpcWithoutCertificate.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void withAClientCaTheCertificatesSubjectIsTheCaller() throws Exception {
        SSLContext context = TlsContexts.of(ca.certificateFile(), alice);
        var client = HttpClient.newBuilder().sslContext(context).build();
        var started = client.send(
                HttpRequest.newBuilder(URI.create(mutualBase + "/v0/runs"))
                        .header("content-type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(SPEC))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        String id = ApiClient.json(started).path("run").path("id").asText();
        mutual.awaitLog("run " + id + " started by alice from 127.0.0.1", Duration.ofSeconds(10));

        var grpc = channel(
                mutualBase,
                TlsChannelCredentials.newBuilder()
                        .trustManager(ca.certificateFile().toFile())
                        .keyManager(
                                alice.certificateFile().toFile(),
                                alice.keyFile().toFile())
                        .build());
        try {
            assertThat(ControlPlaneGrpc.newBlockingStub(grpc)
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .stats(StatsRequest.getDefaultInstance())
                            .hasStats())
                    .isTrue();
        } finally {
            grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ManagedChannel channel(String base, ChannelCredentials credentials) {
        var uri = URI.create(base);
        return Grpc.newChannelBuilderForAddress(uri.getHost(), uri.getPort(), credentials)
                .build();
    }
}
