package io.adagio.server.security;

import static io.adagio.server.security.TestSpecs.SPEC;
import static io.adagio.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.adagio.memory.MemoryRepository;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.StatsRequest;
import io.adagio.server.ApiServer;
import io.adagio.testkit.RawHttp;
import io.adagio.testkit.tls.TestCertificates;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and client certificates on the API port, with certificates of a throw-away CA. */
class ServerTlsTest {
    @TempDir
    static Path dir;

    private static TestCertificates ca;
    private static TestCertificates.Issued serverCert;
    private static TestCertificates.Issued alice;
    private static TestCertificates.Issued mallory;
    private static MemoryRepository repository;
    private static ApiServer tls;
    private static ApiServer mutual;
    private static ClientFactory trusting;
    private static ClientFactory aliceFactory;
    private static ClientFactory malloryFactory;

    @BeforeAll
    static void start() {
        ca = TestCertificates.authority(dir.resolve("ca"), "test-ca");
        serverCert = ca.server("server");
        alice = ca.client("alice");
        mallory = TestCertificates.authority(dir.resolve("other"), "other-ca").client("mallory");
        repository = new MemoryRepository();
        tls = server(new TlsFiles(serverCert.certificateFile(), serverCert.keyFile(), null));
        mutual = server(new TlsFiles(serverCert.certificateFile(), serverCert.keyFile(), ca.certificateFile()));
        trusting = ClientFactory.builder()
                .tlsCustomizer(b -> b.trustManager(ca.certificateFile().toFile()))
                .build();
        aliceFactory = ClientFactory.builder()
                .tlsCustomizer(b -> b.trustManager(ca.certificateFile().toFile())
                        .keyManager(
                                alice.certificateFile().toFile(),
                                alice.keyFile().toFile()))
                .build();
        malloryFactory = ClientFactory.builder()
                .tlsCustomizer(b -> b.trustManager(ca.certificateFile().toFile())
                        .keyManager(
                                mallory.certificateFile().toFile(),
                                mallory.keyFile().toFile()))
                .build();
    }

    private static ApiServer server(TlsFiles files) {
        return ApiServer.builder(repository)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .security(ApiSecurity.DEFAULT.withTls(files))
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        for (var server : new ApiServer[] {tls, mutual}) {
            if (server != null) {
                server.close();
            }
        }
        for (var factory : new ClientFactory[] {trusting, aliceFactory, malloryFactory}) {
            if (factory != null) {
                factory.close();
            }
        }
        repository.close();
    }

    @Test
    void httpsAndGrpcWithTheCaSucceedAndPlaintextFails() {
        String https = "https://127.0.0.1:" + tls.port();
        var client = new RawHttp(https, trusting);
        assertThat(client.get("/v0/stats").status().code()).isEqualTo(200);
        assertThat(client.get("/health").status().code()).isEqualTo(200);
        assertThat(client.request("PUT", "/v0/runs").json(SPEC).send().status().code())
                .isEqualTo(200);
        var grpc = GrpcClients.builder(https).factory(trusting).build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThat(grpc.stats(StatsRequest.getDefaultInstance()).hasStats()).isTrue();

        var plaintext = new RawHttp("http://127.0.0.1:" + tls.port());
        assertThatThrownBy(() -> plaintext.get("/v0/stats")).isInstanceOf(Exception.class);
        var plaintextGrpc = GrpcClients.newClient(
                "http://127.0.0.1:" + tls.port(), ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThatThrownBy(() -> plaintextGrpc.stats(StatsRequest.getDefaultInstance()))
                .isInstanceOf(StatusRuntimeException.class);
    }

    @Test
    void aClientThatDoesNotTrustTheCaCannotConnect() {
        var untrusting = new RawHttp("https://127.0.0.1:" + tls.port());
        assertThatThrownBy(() -> untrusting.get("/v0/stats")).isInstanceOf(Exception.class);
    }

    @Test
    void withAClientCaApiCallsNeedACertificateAndItsSubjectIsTheCallersName() {
        String https = "https://127.0.0.1:" + mutual.port();
        var anonymous = new RawHttp(https, trusting);
        var refused = anonymous.get("/v0/stats");
        assertThat(refused.status().code()).isEqualTo(401);
        assertThat(json(refused).get("message").asText()).contains("client certificate is required");
        assertThat(anonymous.get("/health").status().code()).isEqualTo(200);
        var grpc = GrpcClients.builder(https).factory(trusting).build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThatThrownBy(() -> grpc.stats(StatsRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

        try (var log = new LogCapture()) {
            var withCertificate = new RawHttp(https, aliceFactory);
            var started = withCertificate.request("PUT", "/v0/runs").json(SPEC).send();
            assertThat(started.status().code()).isEqualTo(200);
            String id = json(started).get("run").get("id").asText();
            assertThat(log.lines()).anyMatch(l -> l.contains("run " + id + " started by alice from 127.0.0.1"));
        }
        var aliceGrpc =
                GrpcClients.builder(https).factory(aliceFactory).build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThat(aliceGrpc.stats(StatsRequest.getDefaultInstance()).hasStats())
                .isTrue();
    }

    @Test
    void aCertificateOfAnotherCaIsNotAccepted() {
        // The server names the CA it accepts; a client whose certificate is from another one presents
        // none (or fails the handshake if it insists), so its API calls are refused.
        var stranger = new RawHttp("https://127.0.0.1:" + mutual.port(), malloryFactory);
        var response = stranger.get("/v0/stats");
        assertThat(response.status().code()).isEqualTo(401);
        assertThat(json(response).get("message").asText()).contains("client certificate is required");
    }

    @Test
    void unusableFilesAreClearErrorsBeforeStarting() throws Exception {
        var other = ca.server("other-server");
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello\n");
        assertThatThrownBy(() -> server(new TlsFiles(dir.resolve("missing.pem"), serverCert.keyFile(), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-tls-cert-file")
                .hasMessageContaining("no such readable file");
        assertThatThrownBy(() -> server(new TlsFiles(notPem, serverCert.keyFile(), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-tls-cert-file");
        assertThatThrownBy(() -> server(new TlsFiles(serverCert.certificateFile(), notPem, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-tls-key-file")
                .hasMessageContaining("not a PEM private key");
        assertThatThrownBy(() -> server(new TlsFiles(serverCert.certificateFile(), other.keyFile(), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not the private key of the certificate");
        assertThatThrownBy(() -> server(new TlsFiles(serverCert.certificateFile(), serverCert.keyFile(), notPem)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-tls-client-ca-file");
    }
}
