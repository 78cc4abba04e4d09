package io.adagio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.adagio.core.graph.Limits;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Event;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import io.adagio.memory.MemoryRepository;
import io.adagio.proto.Edge;
import io.adagio.proto.GraphSpec;
import io.adagio.proto.Node;
import io.adagio.proto.controlplane.CancelRequest;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.DeleteRequest;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.ListRequest;
import io.adagio.proto.controlplane.RerunRequest;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.proto.controlplane.StatsRequest;
import io.adagio.testkit.ApiClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The API over real HTTP and gRPC connections, on an in-process memory repository. */
class ApiServerTest {

    private static MemoryRepository repository;
    private static ApiServer server;
    private static String base;
    private static ApiClient http;
    private static ControlPlaneGrpc.ControlPlaneBlockingStub grpc;

    @BeforeAll
    static void start() {
        repository = new MemoryRepository(new Limits(50, 100_000, 256 * 1024, 8 * 1024 * 1024));
        server = ApiServer.builder(repository)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .build()
                .start();
        base = "http://127.0.0.1:" + server.port();
        http = new ApiClient(base);
        grpc = GrpcClients.newClient(base, ControlPlaneGrpc.ControlPlaneBlockingStub.class);
    }

    @AfterAll
    static void stop() {
        server.close();
        repository.close();
    }

    @Test
    void httpStartInspectListAndStatsUseSnakeCaseAndEnumNames() throws Exception {
        var started = send("PUT", "/v0/runs", """
                {"spec": {"nodes": [{"name": "a", "runtime": "debug"}, {"name": "b", "runtime": "debug",
                  "retry": {"fail": {"maxAttempts": 2}}}], "edges": [{"source": "a", "destination": "b"}]}}""");
        assertThat(started.statusCode()).isEqualTo(200);
        var run = json(started).get("run");
        String id = run.get("id").asText();
        assertThat(run.get("created_at").asText()).isNotEmpty();
        assertThat(run.get("status").asText()).isEqualTo("WAITING");
        assertThat(run.get("nodes").get(0).get("status").asText()).isEqualTo("READY");
        assertThat(run.get("nodes")
                        .get(1)
                        .get("spec")
                        .get("retry")
                        .get("fail")
                        .get("max_attempts")
                        .asInt())
                .isEqualTo(2);

        var inspected = json(send("GET", "/v0/runs/" + id, null)).get("run");
        assertThat(inspected.get("id").asText()).isEqualTo(id);
        assertThat(inspected.get("edges").get(0).get("destination").asText()).isEqualTo("b");

        var posted = send("POST", "/v0/runs", "{\"spec\": {\"nodes\": [{\"name\": \"c\", \"runtime\": \"debug\"}]}}");
        assertThat(posted.statusCode()).isEqualTo(200);
        var list = json(send("GET", "/v0/runs?limit=1", null)).get("runs");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("id").asText())
                .isEqualTo(json(posted).get("run").get("id").asText());

        var stats = json(send("GET", "/v0/stats", null)).get("stats");
        assertThat(stats.get("run_count").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(stats.get("node_counts").has("waiting_count")).isTrue();
    }

    @Test
    void startRefusesEveryContentTypeButJsonAndChangesNothing() throws Exception {
        String body = "{\"spec\": {\"nodes\": [{\"name\": \"curl\", \"runtime\": \"debug\"}]}}";
        String before = send("GET", "/v0/stats", null).body();
        for (var type : new String[] {"application/x-www-form-urlencoded", "text/plain", "multipart/form-data", null}) {
            var request = HttpRequest.newBuilder(http.uri("/v0/runs")).POST(HttpRequest.BodyPublishers.ofString(body));
            if (type != null) {
                request.header("content-type", type);
            }
            var response = http.send(request);
            assertThat(response.statusCode())
                    .as("content type %s: %s", type, response.body())
                    .isEqualTo(415);
            assertThat(json(response).get("message").asText())
                    .contains(type == null ? "no content type" : type)
                    .contains("application/json");
        }
        assertThat(send("GET", "/v0/stats", null).body()).isEqualTo(before);
    }

    @Test
    void httpListsAgents() throws Exception {
        try (var sub = repository.subscribe(
                new Agent("agent-http", java.util.List.of("debug")), Set.of(Event.Type.NODE_READY))) {
            var agents = json(send("GET", "/v0/agents", null)).get("agents");
            assertThat(agents.findValuesAsText("id")).contains("agent-http");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON      | {"spec": {"nodes": [       | malformed JSON
            not an object       | []                         | JSON object
            no nodes            | {"spec": {"nodes": []}}    | no nodes
            unknown field       | {"spec": {"nodez": []}}    | nodez
            wrong type          | {"spec": {"nodes": [{"name": 7, "runtime": "debug"}]}} | name
            max_attempts string | {"spec": {"nodes": [{"name": "a", "runtime": "debug", "retry": {"fail": {"max_attempts": "x"}}}]}} | max_attempts
            cycle               | {"spec": {"nodes": [{"name": "a", "runtime": "debug"}, {"name": "b", "runtime": "debug"}], "edges": [{"source": "a", "destination": "b"}, {"source": "b", "destination": "a"}]}} | cycle
            missing runtime     | {"spec": {"nodes": [{"name": "a"}]}} | runtime
            """)
    void badSpecsOverHttpAre400NamingTheProblemAndChangeNothing(String what, String body, String named)
            throws Exception {
        String before = send("GET", "/v0/stats", null).body();
        var response = send("PUT", "/v0/runs", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(json(response).get("message").asText()).contains(named);
        assertThat(response.body()).doesNotContain("\tat ");
        assertThat(send("GET", "/v0/stats", null).body()).isEqualTo(before);
    }

    @Test
    void overTheNodeLimitIs413() throws Exception {
        var nodes = new StringBuilder();
        for (int i = 0; i < 51; i++) {
            nodes.append(i == 0 ? "" : ",").append("{\"name\": \"n").append(i).append("\", \"runtime\": \"debug\"}");
        }
        var response = send("PUT", "/v0/runs", "{\"spec\": {\"nodes\": [" + nodes + "]}}");
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(json(response).get("message").asText()).contains("limit");
    }

    @Test
    void bodyOverTheRequestLimitIs413() throws Exception {
        var response =
                send("PUT", "/v0/runs", "{\"spec\": {\"nodes\": [{\"name\": \"" + "x".repeat(9 << 20) + "\"}]}}");
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(json(response).get("message").asText()).contains("8388608");
    }

    @Test
    void unknownRunIs404AndBadQueryIs400() throws Exception {
        var missing = send("GET", "/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing).get("message").asText()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV");
        var badQuery = send("GET", "/v0/runs?limit=lots", null);
        assertThat(badQuery.statusCode()).isEqualTo(400);
        assertThat(json(badQuery).get("message").asText()).contains("lots");
    }

    /** A run no agent will take (nothing subscribes here): it stays as started until cancelled. */
    private static String idleRun() {
        var started = send("PUT", "/v0/runs", """
                {"spec": {"nodes": [{"name": "a", "runtime": "debug"}, {"name": "b", "runtime": "debug"}],
                          "edges": [{"source": "a", "destination": "b"}]}}""");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        return json(started).get("run").get("id").asText();
    }

    @Test
    void cancelTakesAnEmptyObjectOrAnEmptyJsonBodyAndAnswersTheRun() throws Exception {
        String withObject = idleRun();
        var cancelled = send("POST", "/v0/runs/" + withObject + "/cancel", "{}");
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        var run = json(cancelled).get("run");
        assertThat(run.get("id").asText()).isEqualTo(withObject);
        assertThat(run.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(run.get("conclusion").asText()).isEqualTo("CANCELLED");
        assertThat(run.get("nodes")).allSatisfy(n -> {
            assertThat(n.get("conclusion").asText()).isEqualTo("CANCELLED");
            assertThat(n.get("attempts")).isEmpty();
        });
        assertThat(json(send("GET", "/v0/runs/" + withObject, null)).get("run")).isEqualTo(run);

        String withEmptyBody = idleRun();
        var empty = http.send(HttpRequest.newBuilder(http.uri("/v0/runs/" + withEmptyBody + "/cancel"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(200);
        assertThat(json(empty).get("run").get("conclusion").asText()).isEqualTo("CANCELLED");

        // Cancelling again changes nothing and answers the run as it is.
        var again = send("POST", "/v0/runs/" + withObject + "/cancel", "{}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("run")).isEqualTo(run);
    }

    @Test
    void theRunInThePathIsTheOneActedOn() throws Exception {
        String target = idleRun();
        String bystander = idleRun();
        var response = send("POST", "/v0/runs/" + target + "/cancel", "{\"id\": \"" + bystander + "\"}");
        assertThat(response.statusCode()).as(response.body()).isIn(200, 400);
        assertThat(json(send("GET", "/v0/runs/" + bystander, null))
                        .get("run")
                        .get("status")
                        .asText())
                .isNotEqualTo("COMPLETED");
    }

    @Test
    void rerunOfARunNotCompletedIs409AndOfACancelledRunStartsItsNodesAgain() throws Exception {
        String id = idleRun();
        var refused = send("POST", "/v0/runs/" + id + "/rerun", "{}");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(json(refused).get("grpc-code").asText()).isEqualTo("FAILED_PRECONDITION");
        assertThat(json(refused).get("message").asText()).contains(id);
        assertThat(refused.body()).doesNotContain("\tat ");

        send("POST", "/v0/runs/" + id + "/cancel", "{}");
        var rerun = send("POST", "/v0/runs/" + id + "/rerun", "{}");
        assertThat(rerun.statusCode()).as(rerun.body()).isEqualTo(200);
        var run = json(rerun).get("run");
        assertThat(run.get("id").asText()).isEqualTo(id);
        assertThat(run.get("status").asText()).isNotEqualTo("COMPLETED");
        assertThat(run.get("conclusion").asText()).isEqualTo("NONE");
        assertThat(run.get("nodes").get(0).get("status").asText()).isEqualTo("READY");
        assertThat(run.get("nodes").get(1).get("status").asText()).isEqualTo("WAITING");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"cancel", "rerun"})
    void anUnknownRunIs404AndAWrongMethodOrBodyIsRefusedInTheJsonErrorShape(String action) throws Exception {
        var missing = send("POST", "/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV/" + action, "{}");
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
        assertThat(json(missing).get("grpc-code").asText()).isEqualTo("NOT_FOUND");
        assertThat(json(missing).get("message").asText()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV");

        String id = idleRun();
        String before = send("GET", "/v0/runs/" + id, null).body();
        for (var method : new String[] {"GET", "PUT", "DELETE"}) {
            var wrong = send(method, "/v0/runs/" + id + "/" + action, method.equals("PUT") ? "{}" : null);
            assertThat(wrong.statusCode()).as(method + " " + wrong.body()).isEqualTo(405);
            assertThat(json(wrong).get("message").asText()).contains(method);
        }
        var unknownField = send("POST", "/v0/runs/" + id + "/" + action, "{\"force\": true}");
        assertThat(unknownField.statusCode()).as(unknownField.body()).isEqualTo(400);
        assertThat(json(unknownField).get("message").asText()).contains("force");
        var notJson = send("POST", "/v0/runs/" + id + "/" + action, "{");
        assertThat(notJson.statusCode()).as(notJson.body()).isEqualTo(400);
        assertThat(send("GET", "/v0/runs/" + id, null).body()).isEqualTo(before);
    }

    @Test
    void grpcCancelAndRerunAnswerTheRunOrTheirStatus() {
        String id = idleRun();
        assertThatThrownBy(() -> grpc.rerun(RerunRequest.newBuilder().setId(id).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains(id);
                });
        var cancelled =
                grpc.cancel(CancelRequest.newBuilder().setId(id).build()).getRun();
        assertThat(cancelled.getConclusion()).isEqualTo(Node.Result.Conclusion.CANCELLED);
        var rerun = grpc.rerun(RerunRequest.newBuilder().setId(id).build()).getRun();
        assertThat(rerun.getStatus()).isNotEqualTo(io.adagio.proto.Run.Status.COMPLETED);
        for (var call : java.util.List.<Runnable>of(
                () -> grpc.cancel(CancelRequest.newBuilder().setId("nope").build()),
                () -> grpc.rerun(RerunRequest.newBuilder().setId("nope").build()))) {
            assertThatThrownBy(call::run)
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        }
    }

    @Test
    void grpcStartInspectListStatsAndErrors() {
        var spec = GraphSpec.newBuilder()
                .addNodes(Node.Spec.newBuilder().setName("x").setRuntime("debug"))
                .addNodes(Node.Spec.newBuilder().setName("y").setRuntime("debug"))
                .addEdges(Edge.newBuilder().setSource("x").setDestination("y"))
                .build();
        var run = grpc.start(StartRequest.newBuilder().setSpec(spec).build()).getRun();
        assertThat(grpc.inspect(InspectRequest.newBuilder().setId(run.getId()).build())
                        .getRun()
                        .getNodesCount())
                .isEqualTo(2);
        assertThat(grpc.listRuns(ListRequest.getDefaultInstance()).getRunsList())
                .extracting(r -> r.getId())
                .contains(run.getId());
        assertThat(grpc.stats(StatsRequest.getDefaultInstance()).getStats().getRunCount())
                .isGreaterThanOrEqualTo(1);

        var cyclic = spec.toBuilder()
                .addEdges(Edge.newBuilder().setSource("y").setDestination("x"))
                .build();
        assertThatThrownBy(() ->
                        grpc.start(StartRequest.newBuilder().setSpec(cyclic).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("cycle");
                });
        assertThatThrownBy(() ->
                        grpc.inspect(InspectRequest.newBuilder().setId("nope").build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void healthReflectionStaticFilesAndMetrics() throws Exception {
        var health = GrpcClients.newClient(base, HealthGrpc.HealthBlockingStub.class);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        var reflection = GrpcClients.newClient(base, ServerReflectionGrpc.ServerReflectionStub.class);
        var services = new CompletableFuture<ServerReflectionResponse>();
        var requests = reflection.serverReflectionInfo(new StreamObserver<>() {
            public void onNext(ServerReflectionResponse value) {
                services.complete(value);
            }

            public void onError(Throwable t) {
                services.completeExceptionally(t);
            }

            public void onCompleted() {}
        });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        var names = services.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                .map(s -> s.getName())
                .toList();
        requests.onCompleted();
        assertThat(names).contains("adagio.rpc.controlplane.ControlPlane", "grpc.health.v1.Health");

        var index = send("GET", "/", null);
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("content-type").orElse("")).startsWith("text/html");
        assertThat(send("GET", "/health", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/metrics", null).body()).contains("adagio_api");
    }

    @Test
    void backendUnavailableIs503AndUNAVAILABLE() throws Exception {
        Repository broken = (Repository) Proxy.newProxyInstance(
                Repository.class.getClassLoader(), new Class<?>[] {Repository.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    throw new RepositoryException.Unavailable("etcd is unreachable");
                });
        try (var down = ApiServer.builder(broken)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .build()
                .start()) {
            var response = new ApiClient("http://127.0.0.1:" + down.port()).get("/v0/stats");
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("etcd is unreachable");
            var stub = GrpcClients.newClient(
                    "http://127.0.0.1:" + down.port(), ControlPlaneGrpc.ControlPlaneBlockingStub.class);
            assertThatThrownBy(() -> stub.stats(StatsRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        }
    }

    /** Starts a run of one node in the repository and completes it, as an agent would. */
    private static String completedRun() {
        var id = repository
                .startRun(new io.adagio.core.model.GraphSpec(
                        java.util.List.of(new io.adagio.core.model.NodeSpec("only", "debug")), java.util.List.of()))
                .id();
        var claim = new io.adagio.core.model.Claim("claim-" + id);
        repository.claimNode(id, "only", claim);
        repository.finishNode(id, "only", io.adagio.core.model.Result.success("done"), claim);
        return id;
    }

    private static String runningRun() {
        var id = repository
                .startRun(new io.adagio.core.model.GraphSpec(
                        java.util.List.of(new io.adagio.core.model.NodeSpec("only", "debug")), java.util.List.of()))
                .id();
        repository.claimNode(id, "only", new io.adagio.core.model.Claim("claim-" + id));
        return id;
    }

    @Test
    void httpDeleteRemovesACompletedRunAndRefusesOthers() throws Exception {
        var id = completedRun();
        var deleted = send("DELETE", "/v0/runs/" + id, null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(json(deleted).size()).isZero();
        assertThat(send("GET", "/v0/runs/" + id, null).statusCode()).isEqualTo(404);
        var again = send("DELETE", "/v0/runs/" + id, null);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(json(again).get("message").asText()).contains(id);

        var running = runningRun();
        var refused = send("DELETE", "/v0/runs/" + running, null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(json(refused).get("message").asText())
                .contains(running)
                .contains("only a completed run can be deleted");
        assertThat(send("GET", "/v0/runs/" + running, null).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "/v0/runs/no%2Fsuch", null).statusCode()).isEqualTo(404);
    }

    @Test
    void grpcDeleteRemovesACompletedRunAndRefusesOthers() {
        var id = completedRun();
        grpc.delete(DeleteRequest.newBuilder().setId(id).build());
        assertThatThrownBy(
                        () -> grpc.inspect(InspectRequest.newBuilder().setId(id).build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(
                        () -> grpc.delete(DeleteRequest.newBuilder().setId(id).build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        var running = runningRun();
        assertThatThrownBy(() ->
                        grpc.delete(DeleteRequest.newBuilder().setId(running).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("only a completed run can be deleted");
                });
    }

    @Test
    void aFullStoreIs507OverHttpAndResourceExhaustedOverGrpcSayingWhatToDo() throws Exception {
        String advice = "etcd's database is full: delete runs, compact and defragment etcd";
        Repository full = (Repository) Proxy.newProxyInstance(
                Repository.class.getClassLoader(), new Class<?>[] {Repository.class}, (proxy, method, args) -> {
                    if (method.getName().equals("startRun")) {
                        throw new RepositoryException.StorageFull(advice, null);
                    }
                    return method.invoke(repository, args);
                });
        try (var api = ApiServer.builder(full)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .build()
                .start()) {
            var client = new ApiClient("http://127.0.0.1:" + api.port());
            var refused =
                    client.put("/v0/runs", "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\"}]}}");
            assertThat(refused.statusCode()).isEqualTo(507);
            assertThat(json(refused).get("message").asText()).isEqualTo(advice);
            assertThat(client.get("/v0/stats").statusCode())
                    .as("reads still work")
                    .isEqualTo(200);
            var stub = GrpcClients.newClient(
                    "http://127.0.0.1:" + api.port(), ControlPlaneGrpc.ControlPlaneBlockingStub.class);
            var spec = GraphSpec.newBuilder()
                    .addNodes(Node.Spec.newBuilder().setName("x").setRuntime("debug"))
                    .build();
            assertThatThrownBy(() ->
                            stub.start(StartRequest.newBuilder().setSpec(spec).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(e.getStatus().getDescription()).isEqualTo(advice);
                    });
        }
    }

    @Test
    void statsCarriesHowFullTheStoreIsInHeaders() throws Exception {
        var usage = new io.adagio.core.model.StorageUsage(10_000_000, 4_000_000, 2L << 30, false);
        try (var api = ApiServer.builder(repository)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .storage(() -> usage)
                .build()
                .start()) {
            var response = new ApiClient("http://127.0.0.1:" + api.port()).get("/v0/stats");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(io.adagio.wire.StorageHeaders.read(
                            name -> response.headers().firstValue(name).orElse(null)))
                    .contains(usage);

            var headers = new java.util.concurrent.atomic.AtomicReference<io.grpc.Metadata>();
            var trailers = new java.util.concurrent.atomic.AtomicReference<io.grpc.Metadata>();
            var stub = GrpcClients.builder("http://127.0.0.1:" + api.port())
                    .intercept(io.grpc.stub.MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                    .build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
            stub.stats(StatsRequest.getDefaultInstance());
            assertThat(io.adagio.wire.StorageHeaders.read(name ->
                            headers.get().get(io.grpc.Metadata.Key.of(name, io.grpc.Metadata.ASCII_STRING_MARSHALLER))))
                    .contains(usage);
        }
        assertThat(send("GET", "/v0/stats", null).headers().firstValue("adagio-storage-size-bytes"))
                .as("not sent when not known")
                .isEmpty();
    }

    @Test
    void callsRunOnABoundedPoolOfBlockingThreads() throws Exception {
        // A slow store (etcd under load): every stats call waits until released.
        var inside = new java.util.concurrent.atomic.AtomicInteger();
        var mostInside = new java.util.concurrent.atomic.AtomicInteger();
        var threads = java.util.concurrent.ConcurrentHashMap.<String>newKeySet();
        var twoInside = new java.util.concurrent.CountDownLatch(2);
        var release = new java.util.concurrent.CountDownLatch(1);
        Repository slow = (Repository) Proxy.newProxyInstance(
                Repository.class.getClassLoader(), new Class<?>[] {Repository.class}, (proxy, method, args) -> {
                    if (method.getName().equals("stats")) {
                        threads.add(Thread.currentThread().getName());
                        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        twoInside.countDown();
                        release.await(30, TimeUnit.SECONDS);
                        inside.decrementAndGet();
                    }
                    return method.invoke(repository, args);
                });
        try (var api = ApiServer.builder(slow)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .blockingThreads(2)
                .build()
                .start()) {
            var client = new ApiClient("http://127.0.0.1:" + api.port());
            var calls = new java.util.ArrayList<CompletableFuture<HttpResponse<String>>>();
            for (int i = 0; i < 10; i++) {
                calls.add(client.sendAsync("GET", "/v0/stats", null));
            }
            assertThat(twoInside.await(30, TimeUnit.SECONDS)).isTrue();
            release.countDown();
            for (var call : calls) {
                assertThat(call.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        }
        assertThat(mostInside.get()).isEqualTo(2);
        assertThat(threads).hasSize(2).allSatisfy(name -> assertThat(name).startsWith("adagio-api"));
    }

    @Test
    void blockingThreadsMustBePositive() {
        assertThatThrownBy(() -> ApiServer.builder(repository).blockingThreads(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blockingThreads");
    }

    private static HttpResponse<String> send(String method, String path, String body) {
        return http.send(method, path, body);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return ApiClient.json(response);
    }
}
