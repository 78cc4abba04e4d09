package io.adagio.daemon;

import static io.adagio.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import adagio.Adagio.GraphSpec;
import adagio.Adagio.Node;
import adagio.rpc.controlplane.ControlPlaneGrpc;
import adagio.rpc.controlplane.Service.StartRequest;
import adagio.rpc.controlplane.Service.StatsRequest;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.RawHttp;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** adagiod with -auth-token-file: HTTP and gRPC without, with a wrong and with the right token. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthTokenEndToEndTest {
    private static final String ALICE = "alice-token-0123456789abcdef";
    private static final String BOB = "bob-token-0123456789abcdef01";
    private static final String CAROL = "carol-token-0123456789abcdef";
    private static final String SPEC = "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\"}]}}";

    private Path tokens;
    private AdagiodProcess daemon;
    private RawHttp http;
    private ManagedChannel channel;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        tokens = Files.writeString(dir.resolve("tokens"), "# API users\nalice:" + ALICE + "\nbob:" + BOB + "\n");
        daemon = AdagiodProcess.start("-listen", "127.0.0.1:0", "-auth-token-file", tokens.toString());
        var base = daemon.awaitApi(Duration.ofSeconds(60));
        http = new RawHttp(base);
        var uri = URI.create(base);
        channel = ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort())
                .usePlaintext()
                .build();
    }

    @AfterAll
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (daemon != null) {
            daemon.close();
            assertThat(daemon.log()).doesNotContain(ALICE, BOB, CAROL);
        }
    }

    private String stats() {
        return http.request("GET", "/v0/stats")
                .header("authorization", "Bearer " + ALICE)
                .send()
                .contentUtf8();
    }

    @Test
    void httpWithoutOrWithAWrongTokenIs401AndChangesNothing() {
        String before = stats();
        var none = http.request("PUT", "/v0/runs")
                .header("content-type", "application/json")
                .body(SPEC)
                .send();
        assertThat(none.status().code()).isEqualTo(401);
        assertThat(json(none).get("grpc-code").asText()).isEqualTo("UNAUTHENTICATED");
        var wrong = http.request("PUT", "/v0/runs")
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + CAROL)
                .body(SPEC)
                .send();
        assertThat(wrong.status().code()).isEqualTo(401);
        assertThat(http.get("/v0/runs").status().code()).isEqualTo(401);
        assertThat(stats()).isEqualTo(before);
        // The UI's files and the health check stay open.
        assertThat(http.get("/").status().code()).isEqualTo(200);
        assertThat(http.get("/health").status().code()).isEqualTo(200);
    }

    @Test
    void httpWithTheRightTokenWorksAndTheLogNamesWhoStartedTheRun() {
        var started = http.request("PUT", "/v0/runs")
                .header("content-type", "application/json")
                .header("authorization", "Bearer " + BOB)
                .body(SPEC)
                .send();
        assertThat(started.status().code()).isEqualTo(200);
        String id = json(started).get("run").get("id").asText();
        daemon.awaitLog("run " + id + " started by bob from 127.0.0.1", Duration.ofSeconds(10));
    }

    @Test
    void grpcWithoutOrWithAWrongTokenIsUnauthenticatedAndWithTheRightOneWorks() {
        var start = StartRequest.newBuilder()
                .setSpec(GraphSpec.newBuilder()
                        .addNodes(Node.Spec.newBuilder().setName("g").setRuntime("debug")))
                .build();
        String before = stats();
        var anonymous = ControlPlaneGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> anonymous.start(start))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> withToken(CAROL).stats(StatsRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThat(stats()).isEqualTo(before);

        var run = withToken(ALICE).start(start).getRun();
        daemon.awaitLog("run " + run.getId() + " started by alice from 127.0.0.1", Duration.ofSeconds(10));
    }

    @Test
    void sigHupReadsTheTokenFileAgain() throws Exception {
        // Carol replaces Bob with a token of the same length and the file keeps its modification
        // time: only SIGHUP makes adagiod read it again.
        var modified = Files.getLastModifiedTime(tokens);
        String before = Files.readString(tokens);
        Files.writeString(tokens, before.replace("bob:" + BOB, "bob:" + CAROL));
        Files.setLastModifiedTime(tokens, modified);
        var hup = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).start();
        assertThat(hup.waitFor()).isZero();
        daemon.awaitLog("token file " + tokens + " read again", Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(status(CAROL)).isEqualTo(200);
            assertThat(status(BOB)).isEqualTo(401);
        });
        assertThat(daemon.isAlive()).isTrue();
        Files.writeString(tokens, before);
        await().atMost(Duration.ofSeconds(10)).until(() -> status(BOB) == 200);
    }

    private int status(String token) {
        return http.request("GET", "/v0/stats")
                .header("authorization", "Bearer " + token)
                .send()
                .status()
                .code();
    }

    private ControlPlaneGrpc.ControlPlaneBlockingStub withToken(String token) {
        var metadata = new Metadata();
        metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return ControlPlaneGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }
}
