package io.adagio.server.security;

import static io.adagio.server.security.TestSpecs.SPEC;
import static io.adagio.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import io.adagio.memory.MemoryRepository;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.StatsRequest;
import io.adagio.server.ApiServer;
import io.adagio.testkit.RawHttp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The browser protections over real connections: content type, Origin, Host, and opt-in CORS. */
class RequestGuardTest {
    private static final String EXEC_SPEC = "{\"spec\":{\"nodes\":[{\"name\":\"x\",\"runtime\":\"exec\",\"metadata\":"
            + "{\"adagio.arguments.exec.command\":{\"values\":[\"touch\"]},"
            + "\"adagio.arguments.exec.args\":{\"values\":[\"/tmp/owned\"]}}}]}}";

    private static MemoryRepository repository;
    private static ApiServer plain;
    private static ApiServer anyOrigin;
    private static ApiServer listedOrigin;
    private static RawHttp http;
    private static String own;

    @BeforeAll
    static void start() {
        repository = new MemoryRepository();
        plain = server(ApiSecurity.DEFAULT);
        anyOrigin = server(ApiSecurity.DEFAULT.withOrigins(Origins.allowing(List.of("*"))));
        listedOrigin = server(ApiSecurity.DEFAULT.withOrigins(Origins.allowing(List.of("http://ui.example:8080"))));
        own = "http://127.0.0.1:" + plain.port();
        http = new RawHttp(own);
    }

    private static ApiServer server(ApiSecurity security) {
        return ApiServer.builder(repository)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .security(security)
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        for (var server : new ApiServer[] {plain, anyOrigin, listedOrigin}) {
            if (server != null) {
                server.close();
            }
        }
        repository.close();
    }

    @Test
    void theDriveByRequestOfTheIssueIs415AndStartsNothing() {
        String before = http.stats();
        var response = http.request("POST", "/v0/runs")
                .header("content-type", "text/plain")
                .header("origin", "http://evil.example")
                .body(EXEC_SPEC)
                .send();
        assertThat(response.status().code()).isEqualTo(415);
        assertThat(json(response).get("grpc-code").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(json(response).get("message").asText()).contains("\"text/plain\"", "application/json");
        assertThat(http.stats()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain", ""})
    void putAndPostNeedJson(String type) {
        String before = http.stats();
        for (var method : List.of("PUT", "POST")) {
            var request = http.request(method, "/v0/runs").body(SPEC);
            if (!type.isEmpty()) {
                request.header("content-type", type);
            }
            var response = request.send();
            assertThat(response.status().code()).as(method + " " + type).isEqualTo(415);
            assertThat(json(response).get("message").asText())
                    .contains(type.isEmpty() ? "no content type" : "\"" + type + "\"");
        }
        assertThat(http.stats()).isEqualTo(before);
    }

    @Test
    void jsonWithOrWithoutParametersIsTaken() {
        assertThat(http.request("PUT", "/v0/runs").json(SPEC).send().status().code())
                .isEqualTo(200);
        assertThat(http.request("POST", "/v0/runs")
                        .header("content-type", "application/json; charset=utf-8")
                        .body(SPEC)
                        .send()
                        .status()
                        .code())
                .isEqualTo(200);
    }

    @Test
    void aForeignOriginIs403EvenForJsonAndReads() {
        String before = http.stats();
        var start = http.request("POST", "/v0/runs")
                .header("origin", "http://evil.example")
                .json(SPEC)
                .send();
        assertThat(start.status().code()).isEqualTo(403);
        assertThat(json(start).get("grpc-code").asText()).isEqualTo("PERMISSION_DENIED");
        assertThat(json(start).get("message").asText()).contains("\"http://evil.example\"");
        assertThat(start.headers().contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isFalse();
        var read = http.request("GET", "/v0/runs")
                .header("origin", "http://evil.example")
                .send();
        assertThat(read.status().code()).isEqualTo(403);
        var nullOrigin =
                http.request("GET", "/v0/stats").header("origin", "null").send();
        assertThat(nullOrigin.status().code()).isEqualTo(403);
        assertThat(http.stats()).isEqualTo(before);
    }

    @Test
    void theDaemonsOwnOriginIsItsUi() {
        var response = http.request("POST", "/v0/runs")
                .header("origin", own)
                .json(SPEC)
                .send();
        assertThat(response.status().code()).isEqualTo(200);
        var viaLocalhost = http.request("GET", "/v0/stats")
                .header("host", "localhost:" + plain.port())
                .header("origin", "http://localhost:" + plain.port())
                .send();
        assertThat(viaLocalhost.status().code()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v0/stats", "/", "/runs/new", "/health", "/metrics", "/assets/app.js", "/nowhere"})
    void aForeignHostIs403OnEveryRoute(String path) {
        var response = http.request("GET", path).header("host", "evil.example").send();
        assertThat(response.status().code()).isEqualTo(403);
        assertThat(json(response).get("message").asText()).contains("\"evil.example\"", "-allowed-hosts");
        var withPort = http.request("GET", path)
                .header("host", "evil.example:" + plain.port())
                .send();
        assertThat(withPort.status().code()).isEqualTo(403);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "LOCALHOST:%d", "localhost:%d", "127.0.0.1:%d", "127.0.0.2", "[::1]:%d"})
    void loopbackHostsAreServed(String host) {
        var response = http.request("GET", "/v0/stats")
                .header("host", host.formatted(plain.port()))
                .send();
        assertThat(response.status().code()).isEqualTo(200);
    }

    @Test
    void grpcIsCheckedByItsAuthorityAndRefusedWithAGrpcStatus() {
        var ok = GrpcClients.newClient(own, ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThat(ok.stats(StatsRequest.getDefaultInstance()).hasStats()).isTrue();

        var rebound = GrpcClients.builder(own)
                .setHeader(HttpHeaderNames.AUTHORITY, "evil.example:" + plain.port())
                .build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThatThrownBy(() -> rebound.stats(StatsRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).contains("\"evil.example:" + plain.port() + "\"");
                });
    }

    @Test
    void grpcWebIsAGrpcContentType() {
        var web = GrpcClients.builder(own)
                .serializationFormat(GrpcSerializationFormats.PROTO_WEB)
                .build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        assertThat(web.stats(StatsRequest.getDefaultInstance()).hasStats()).isTrue();
    }

    @Test
    void withoutCorsAPreflightIsRefused() {
        var response = preflight(http, "http://ui.example:8080");
        assertThat(response.status().code()).isEqualTo(403);
        assertThat(response.headers().contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isFalse();
    }

    @Test
    void theUiCannotBeFramed() {
        var index = http.get("/");
        assertThat(index.status().code()).isEqualTo(200);
        assertThat(index.headers().get(HttpHeaderNames.X_FRAME_OPTIONS)).isEqualTo("DENY");
        assertThat(index.headers().get(HttpHeaderNames.X_CONTENT_TYPE_OPTIONS)).isEqualTo("nosniff");
    }

    @Test
    void corsStarAnswersPreflightsAndLetsAnyOriginCall() {
        var cors = new RawHttp("http://127.0.0.1:" + anyOrigin.port());
        var preflight = preflight(cors, "http://elsewhere.example:3000");
        assertThat(preflight.status().code()).isEqualTo(204);
        assertThat(preflight.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isEqualTo("*");
        assertThat(preflight.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS))
                .isEqualTo("GET, PUT, POST, DELETE");
        assertThat(preflight.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS))
                .isEqualTo("Content-Type, Authorization");

        var list = cors.request("GET", "/v0/runs")
                .header("origin", "http://elsewhere.example:3000")
                .send();
        assertThat(list.status().code()).isEqualTo(200);
        assertThat(list.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isEqualTo("*");
        var start = cors.request("POST", "/v0/runs")
                .header("origin", "http://elsewhere.example:3000")
                .json(SPEC)
                .send();
        assertThat(start.status().code()).isEqualTo(200);
        assertThat(start.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isEqualTo("*");
        // Its page can read why a request failed.
        var notJson = cors.request("POST", "/v0/runs")
                .header("origin", "http://elsewhere.example:3000")
                .header("content-type", "text/plain")
                .body(SPEC)
                .send();
        assertThat(notJson.status().code()).isEqualTo(415);
        assertThat(notJson.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isEqualTo("*");
        // CORS does not lift the Host check.
        var rebound = cors.request("GET", "/v0/runs")
                .header("origin", "http://evil.example")
                .header("host", "evil.example")
                .send();
        assertThat(rebound.status().code()).isEqualTo(403);
    }

    @Test
    void listedOriginsAreEchoedAndOthersRefused() {
        var cors = new RawHttp("http://127.0.0.1:" + listedOrigin.port());
        var preflight = preflight(cors, "http://ui.example:8080");
        assertThat(preflight.status().code()).isEqualTo(204);
        assertThat(preflight.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isEqualTo("http://ui.example:8080");
        assertThat(preflight.headers().get(HttpHeaderNames.VARY)).isEqualTo("Origin");
        var list = cors.request("GET", "/v0/runs")
                .header("origin", "http://ui.example:8080")
                .send();
        assertThat(list.status().code()).isEqualTo(200);
        assertThat(list.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isEqualTo("http://ui.example:8080");
        assertThat(list.headers().get(HttpHeaderNames.VARY)).isEqualTo("Origin");
        assertThat(preflight(cors, "http://ui.example:8081").status().code()).isEqualTo(403);
        assertThat(cors.request("GET", "/v0/runs")
                        .header("origin", "http://ui.example")
                        .send()
                        .status()
                        .code())
                .isEqualTo(403);
    }

    private static com.linecorp.armeria.common.AggregatedHttpResponse preflight(RawHttp client, String origin) {
        return client.request("OPTIONS", "/v0/runs")
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .send();
    }
}
