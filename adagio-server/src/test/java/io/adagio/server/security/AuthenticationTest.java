package io.adagio.server.security;

import static io.adagio.server.security.TestSpecs.SPEC;
import static io.adagio.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.auth.AuthToken;
import io.adagio.memory.MemoryRepository;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.proto.controlplane.StatsRequest;
import io.adagio.server.ApiServer;
import io.adagio.testkit.RawHttp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bearer tokens over real HTTP and gRPC connections. */
class AuthenticationTest {
    private static final String ALICE = "alice-0123456789abcdef0123456789";
    private static final String BOB = "bob-0123456789abcdef0123456789ab";

    @TempDir
    static Path dir;

    private static Path tokenFile;
    private static MemoryRepository repository;
    private static TokenStore tokens;
    private static ApiServer server;
    private static String base;
    private static RawHttp http;

    @BeforeAll
    static void start() throws Exception {
        tokenFile = Files.writeString(dir.resolve("tokens"), "# test\nalice:" + ALICE + "\n");
        repository = new MemoryRepository();
        tokens = TokenStore.open(tokenFile, Duration.ofMillis(50));
        server = ApiServer.builder(repository)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .security(ApiSecurity.DEFAULT
                        .withTokens(tokens)
                        .withOrigins(Origins.allowing(List.of("http://ui.example"))))
                .build()
                .start();
        base = "http://127.0.0.1:" + server.port();
        http = new RawHttp(base);
    }

    @AfterAll
    static void stop() {
        server.close();
        tokens.close();
        repository.close();
    }

    @Test
    void httpWithoutAWrongOrAnotherKindOfCredentialIs401AndChangesNothing() {
        String before = stats(ALICE);
        var none = http.request("PUT", "/v0/runs").json(SPEC).send();
        assertThat(none.status().code()).isEqualTo(401);
        assertThat(json(none).get("grpc-code").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(json(none).get("message").asText()).contains("Authorization: Bearer", "ADAGIO_TOKEN");
        assertThat(none.headers().get(HttpHeaderNames.WWW_AUTHENTICATE)).startsWith("Bearer");

        var wrong = http.request("PUT", "/v0/runs")
                .header("authorization", "Bearer " + BOB)
                .json(SPEC)
                .send();
        assertThat(wrong.status().code()).isEqualTo(401);
        assertThat(json(wrong).get("message").asText()).isEqualTo("invalid bearer token");
        assertThat(wrong.contentUtf8()).doesNotContain(BOB);

        var basic = http.request("GET", "/v0/stats")
                .header("authorization", "Basic YWxpY2U6c2VjcmV0")
                .send();
        assertThat(basic.status().code()).isEqualTo(401);
        assertThat(json(basic).get("message").asText()).contains("\"Basic\"");

        var empty = http.request("GET", "/v0/stats")
                .header("authorization", "Bearer ")
                .send();
        assertThat(empty.status().code()).isEqualTo(401);
        assertThat(stats(ALICE)).isEqualTo(before);
    }

    @Test
    void theRightTokenOpensEveryRouteAndTheLogNamesItsOwnerNeverTheToken() {
        try (var log = new LogCapture()) {
            var started = http.request("PUT", "/v0/runs")
                    .header("authorization", "Bearer " + ALICE)
                    .json(SPEC)
                    .send();
            assertThat(started.status().code()).isEqualTo(200);
            String id = json(started).get("run").get("id").asText();
            var lowercaseScheme = http.request("GET", "/v0/runs/" + id)
                    .header("authorization", "bearer " + ALICE)
                    .send();
            assertThat(lowercaseScheme.status().code()).isEqualTo(200);
            assertThat(log.lines()).anyMatch(l -> l.contains("run " + id + " started by alice from 127.0.0.1"));
            assertThat(String.join("\n", log.lines())).doesNotContain(ALICE);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/runs", "/runs/new", "/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/agents", "/health"})
    void theUiAndHealthStayOpen(String path) {
        assertThat(http.get(path).status().code()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/metrics", "/v0/stats", "/v0/agents", "/nowhere"})
    void everythingElseNeedsAToken(String path) {
        assertThat(http.get(path).status().code()).isEqualTo(401);
        assertThat(http.request("GET", path)
                        .header("authorization", "Bearer " + ALICE)
                        .send()
                        .status()
                        .code())
                .isIn(200, 404);
    }

    @Test
    void anAllowedOriginCanReadThe401() {
        var response = http.request("GET", "/v0/runs")
                .header("origin", "http://ui.example")
                .send();
        assertThat(response.status().code()).isEqualTo(401);
        assertThat(response.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isEqualTo("http://ui.example");
        // The preflight carries no credentials: it is answered without them.
        var preflight = http.request("OPTIONS", "/v0/runs")
                .header("origin", "http://ui.example")
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "authorization")
                .send();
        assertThat(preflight.status().code()).isEqualTo(204);
    }

    @Test
    void grpcWithoutOrWithAWrongTokenIsUnauthenticated() {
        String before = stats(ALICE);
        var anonymous = GrpcClients.newClient(base, ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThatThrownBy(() -> anonymous.start(StartRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("bearer token is required");
                });
        var wrong = GrpcClients.builder(base)
                .auth(AuthToken.ofOAuth2(BOB))
                .build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThatThrownBy(() -> wrong.stats(StatsRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThat(stats(ALICE)).isEqualTo(before);

        var alice = GrpcClients.builder(base)
                .auth(AuthToken.ofOAuth2(ALICE))
                .build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThat(alice.stats(StatsRequest.getDefaultInstance()).hasStats()).isTrue();
    }

    @Test
    void grpcHealthStaysOpen() {
        var health = GrpcClients.newClient(base, HealthGrpc.HealthBlockingStub.class);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void aNewTokenFileTakesEffectWithoutARestart() throws Exception {
        Files.writeString(tokenFile, "alice:" + ALICE + "\nbob:" + BOB + "\n");
        try {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> http.request("GET", "/v0/stats")
                                    .header("authorization", "Bearer " + BOB)
                                    .send()
                                    .status()
                                    .code()
                            == 200);
        } finally {
            Files.writeString(tokenFile, "alice:" + ALICE + "\n");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> tokens.nameOf(BOB).isEmpty());
        }
    }

    private static String stats(String token) {
        return http.request("GET", "/v0/stats")
                .header("authorization", "Bearer " + token)
                .send()
                .contentUtf8();
    }
}
