package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.ListRequest;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.wire.GraphSpecJson;
import io.adagio.wire.WireMapping;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broken and hostile specs sent to a real {@code adagiod api} (memory backend, so no agent can change
 * the counts): each gets a 4xx / gRPC error whose message names the problem, and nothing changes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadSpecsEndToEndTest {
    private AdagiodProcess daemon;
    private ApiClient api;
    private ControlPlaneGrpc.ControlPlaneBlockingStub grpc;

    @BeforeAll
    void start() {
        // -max-nodes: the node limit is an option (100,000 by default); a smaller one keeps the test quick.
        daemon = AdagiodProcess.start("api", "-listen=127.0.0.1:0", "-max-nodes=10000");
        api = new ApiClient(daemon.awaitApi(Duration.ofSeconds(60)));
        grpc = GrpcClients.newClient(api.baseUrl(), ControlPlaneGrpc.ControlPlaneBlockingStub.class);
    }

    @AfterAll
    void stop() {
        daemon.close();
    }

    @Test
    void apiAloneWithTheMemoryBackendWarnsThatAgentsCannotSeeItsState() {
        assertThat(daemon.stderr()).contains("WARN").contains("memory backend").contains("never see");
    }

    private static final String A = "{\"name\": \"a\", \"runtime\": \"debug\"}";
    private static final String B = "{\"name\": \"b\", \"runtime\": \"debug\"}";
    private static final String C = "{\"name\": \"c\", \"runtime\": \"debug\"}";

    private static String spec(String nodes, String edges) {
        return "{\"nodes\": [" + nodes + "], \"edges\": [" + edges + "]}";
    }

    private static String edge(String from, String to) {
        return "{\"source\": \"" + from + "\", \"destination\": \"" + to + "\"}";
    }

    /** Specs that are valid JSON graph specs but break the rules: checked over HTTP and over gRPC. */
    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                Arguments.of("no nodes", spec("", ""), List.of("no nodes")),
                Arguments.of("duplicate names", spec(A + "," + A, ""), List.of("\"a\"", "duplicate")),
                Arguments.of("dangling edge", spec(A, edge("a", "ghost")), List.of("ghost")),
                Arguments.of(
                        "cycle",
                        spec(A + "," + B + "," + C, edge("a", "b") + "," + edge("b", "c") + "," + edge("c", "a")),
                        List.of("cycle", "a", "b", "c")),
                Arguments.of("self-loop", spec(A, edge("a", "a")), List.of("\"a\"", "self-loop")),
                Arguments.of("empty name", spec("{\"name\": \"\", \"runtime\": \"debug\"}", ""), List.of("name")),
                Arguments.of(
                        "slash in a name",
                        spec("{\"name\": \"a/b\", \"runtime\": \"debug\"}", ""),
                        List.of("a/b", "name")),
                Arguments.of("missing runtime", spec("{\"name\": \"lonely\"}", ""), List.of("lonely", "runtime")),
                Arguments.of(
                        "max_attempts 0",
                        spec(
                                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"fail\": {\"max_attempts\": 0}}}",
                                ""),
                        List.of("\"a\"", "max_attempts")),
                Arguments.of(
                        "unknown retry condition",
                        spec(
                                "{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"sometimes\": {\"max_attempts\": 2}}}",
                                ""),
                        List.of("sometimes")));
    }

    /** Requests that are not graph specs in JSON at all: HTTP only. */
    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                Arguments.of("malformed JSON", "{\"spec\": {\"nodes\": [", List.of("malformed JSON")),
                Arguments.of("not an object", "[1, 2]", List.of("JSON object")),
                Arguments.of("nodes not an array", "{\"spec\": {\"nodes\": \"a\"}}", List.of("nodes", "array")),
                Arguments.of(
                        "name a number",
                        "{\"spec\": {\"nodes\": [{\"name\": 7, \"runtime\": \"debug\"}]}}",
                        List.of("name", "string")),
                Arguments.of(
                        "max_attempts a word",
                        "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\", \"retry\": {\"fail\": {\"max_attempts\": \"three\"}}}]}}",
                        List.of("max_attempts", "three")),
                Arguments.of("unknown field", "{\"spec\": {\"nodez\": []}}", List.of("nodez")),
                Arguments.of("unknown top-level field", "{\"graph\": {}}", List.of("graph")));
    }

    @ParameterizedTest(name = "HTTP: {0}")
    @MethodSource("invalidSpecs")
    void invalidSpecOverHttpIs400NamingTheProblem(String what, String spec, List<String> named) {
        expectHttp(400, "{\"spec\": " + spec + "}", named);
    }

    @ParameterizedTest(name = "HTTP: {0}")
    @MethodSource("malformedRequests")
    void malformedRequestOverHttpIs400NamingTheProblem(String what, String body, List<String> named) {
        expectHttp(400, body, named);
    }

    @ParameterizedTest(name = "gRPC: {0}")
    @MethodSource("invalidSpecs")
    void invalidSpecOverGrpcIsInvalidArgumentNamingTheProblem(String what, String spec, List<String> named) {
        expectGrpc(Status.Code.INVALID_ARGUMENT, spec, named);
    }

    @Test
    void overTheNodeLimitIs413AndResourceExhausted() {
        String nodes = IntStream.rangeClosed(1, 10_001)
                .mapToObj(i -> "{\"name\": \"n" + i + "\", \"runtime\": \"debug\"}")
                .collect(Collectors.joining(","));
        expectHttp(413, "{\"spec\": " + spec(nodes, "") + "}", List.of("10001", "limit"));
        expectGrpc(Status.Code.RESOURCE_EXHAUSTED, spec(nodes, ""), List.of("limit"));
    }

    @Test
    void bodyOverEightMebibytesIs413() {
        String big = "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"" + "x".repeat(9 << 20) + "\"}]}}";
        expectHttp(413, big, List.of("limit"));
    }

    @Test
    void unknownRunIs404AndNotFound() {
        var response = api.get("/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(ApiClient.json(response).path("message").asText()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV");
        assertThatThrownBy(() -> grpc.inspect(io.adagio.proto.controlplane.InspectRequest.newBuilder()
                        .setId("nope")
                        .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    private void expectHttp(int status, String body, List<String> named) {
        String before = api.get("/v0/stats").body();
        var response = api.put("/v0/runs", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        String message = ApiClient.json(response).path("message").asText();
        for (var word : named) {
            assertThat(message).as("the message names %s", word).contains(word);
        }
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        assertUnchanged(before);
    }

    private void expectGrpc(Status.Code code, String spec, List<String> named) {
        String before = api.get("/v0/stats").body();
        var request = StartRequest.newBuilder()
                .setSpec(WireMapping.toProto(GraphSpecJson.parse(spec)))
                .build();
        assertThatThrownBy(() -> grpc.start(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            for (var word : named) {
                assertThat(e.getStatus().getDescription())
                        .as("the message names %s", word)
                        .contains(word);
            }
        });
        assertUnchanged(before);
    }

    private void assertUnchanged(String statsBefore) {
        assertThat(api.get("/v0/stats").body()).isEqualTo(statsBefore);
        assertThat(grpc.listRuns(ListRequest.getDefaultInstance()).getRunsList())
                .isEmpty();
    }
}
