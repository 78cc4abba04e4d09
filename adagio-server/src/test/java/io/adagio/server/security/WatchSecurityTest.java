package io.adagio.server.security;

import static io.adagio.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.auth.AuthToken;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.memory.MemoryRepository;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.WatchRequest;
import io.adagio.server.ApiServer;
import io.adagio.testkit.RawHttp;
import io.adagio.testkit.SseStream;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watching needs what every other call needs: the right host and origin, and a token when tokens are on. */
class WatchSecurityTest {
    private static final String ALICE = "alice-0123456789abcdef0123456789";

    @TempDir
    static Path dir;

    private static MemoryRepository repository;
    private static TokenStore tokens;
    private static ApiServer server;
    private static String base;
    private static String runId;

    @BeforeAll
    static void start() throws Exception {
        var tokenFile = Files.writeString(dir.resolve("tokens"), "alice:" + ALICE + "\n");
        repository = new MemoryRepository();
        tokens = TokenStore.open(tokenFile, Duration.ofSeconds(1));
        server = ApiServer.builder(repository)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .security(ApiSecurity.DEFAULT.withTokens(tokens))
                .build()
                .start();
        base = "http://127.0.0.1:" + server.port();
        runId = repository
                .startRun(new GraphSpec(List.of(new NodeSpec("a", "debug")), List.of()))
                .id();
    }

    @AfterAll
    static void stop() {
        server.close();
        tokens.close();
        repository.close();
    }

    @Test
    void sseWithoutAWrongTokenIs401AndWithTheTokenStreams() {
        var http = new RawHttp(base);
        var none = http.request("GET", "/v0/runs/" + runId + "/watch")
                .header("accept", "text/event-stream")
                .send();
        assertThat(none.status().code()).isEqualTo(401);
        assertThat(json(none).get("grpc-code").asText()).isEqualTo("UNAUTHENTICATED");
        var wrong = http.request("GET", "/v0/runs/" + runId + "/watch")
                .header("accept", "text/event-stream")
                .header("authorization", "Bearer not-" + ALICE)
                .send();
        assertThat(wrong.status().code()).isEqualTo(401);

        try (var sse =
                SseStream.open(base, "/v0/runs/" + runId + "/watch", Map.of("authorization", "Bearer " + ALICE))) {
            assertThat(sse.status()).isEqualTo(200);
            assertThat(sse.next(Duration.ofSeconds(30))
                            .json()
                            .get("run")
                            .get("id")
                            .asText())
                    .isEqualTo(runId);
        }
    }

    @Test
    void sseFromAForeignOriginIs403() {
        var foreign = new RawHttp(base)
                .request("GET", "/v0/runs/" + runId + "/watch")
                .header("accept", "text/event-stream")
                .header("authorization", "Bearer " + ALICE)
                .header("origin", "http://evil.example")
                .send();
        assertThat(foreign.status().code()).isEqualTo(403);
    }

    @Test
    void grpcWatchWithoutATokenIsUnauthenticated() {
        var stub = GrpcClients.newClient(base, ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThatThrownBy(
                        () -> stub.watch(WatchRequest.newBuilder().setId(runId).build())
                                .next())
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

        var allowed = GrpcClients.builder(base)
                .auth(AuthToken.ofOAuth2(ALICE))
                .build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        var first =
                allowed.watch(WatchRequest.newBuilder().setId(runId).build()).next();
        assertThat(first.getRun().getId()).isEqualTo(runId);
    }
}
