package io.adagio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.Result;
import io.adagio.memory.MemoryRepository;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.WatchRequest;
import io.adagio.proto.controlplane.WatchResponse;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.SseStream;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Watch over real gRPC and SSE connections, on an in-process memory repository. */
class WatchApiTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration HEARTBEAT = Duration.ofMillis(700);

    private static MemoryRepository repository;
    private static ApiServer server;
    private static String base;
    private static ApiClient http;
    private static ControlPlaneGrpc.ControlPlaneBlockingStub grpc;
    private static ControlPlaneGrpc.ControlPlaneStub grpcAsync;

    @BeforeAll
    static void start() {
        repository = new MemoryRepository();
        server = ApiServer.builder(repository)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .watchHeartbeat(HEARTBEAT)
                .build()
                .start();
        base = "http://127.0.0.1:" + server.port();
        http = new ApiClient(base);
        var clients = GrpcClients.builder(base).responseTimeout(Duration.ZERO);
        grpc = clients.build(ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        grpcAsync = clients.build(ControlPlaneGrpc.ControlPlaneStub.class);
    }

    @AfterAll
    static void stop() {
        server.close();
        repository.close();
    }

    /** a -> b -> c. */
    private static String startChain() {
        var nodes = List.of(new NodeSpec("a", "debug"), new NodeSpec("b", "debug"), new NodeSpec("c", "debug"));
        var edges = List.of(new Edge("a", "b"), new Edge("b", "c"));
        return repository.startRun(new GraphSpec(nodes, edges)).id();
    }

    private static Claim claim(String runId, String node) {
        var claim = new Claim("claim-" + UUID.randomUUID());
        assertThat(repository.claimNode(runId, node, claim).claimed()).isTrue();
        return claim;
    }

    private static void succeed(String runId, String node) {
        repository.finishNode(runId, node, Result.success("out-" + node), claim(runId, node));
    }

    private static long streams() throws Exception {
        var metrics = http.get("/metrics").body();
        return metrics.lines()
                .filter(l -> l.startsWith("adagio_watch_streams"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void grpcWatchSendsTheRunThenWhatChangedAndEndsWithTheCompletedRun() {
        var id = startChain();
        var stream = grpc.watch(WatchRequest.newBuilder().setId(id).build());
        var first = stream.next();
        var inspected =
                grpc.inspect(InspectRequest.newBuilder().setId(id).build()).getRun();
        assertThat(first.getRun()).isEqualTo(inspected);
        assertThat(first.getNodesCount()).isZero();
        assertThat(first.getStatus()).isEqualTo(io.adagio.proto.Run.Status.WAITING);

        var nodes = new HashMap<String, io.adagio.proto.Node>();
        first.getRun().getNodesList().forEach(n -> nodes.put(n.getSpec().getName(), n));
        succeed(id, "a");
        succeed(id, "b");
        succeed(id, "c");
        var later = new ArrayList<WatchResponse>();
        stream.forEachRemaining(later::add);

        assertThat(later).isNotEmpty().allSatisfy(m -> assertThat(m.hasRun()).isFalse());
        later.forEach(m -> m.getNodesList().forEach(n -> nodes.put(n.getSpec().getName(), n)));
        assertThat(later.getLast().getStatus()).isEqualTo(io.adagio.proto.Run.Status.COMPLETED);
        var done = grpc.inspect(InspectRequest.newBuilder().setId(id).build()).getRun();
        assertThat(nodes.values()).containsExactlyInAnyOrderElementsOf(done.getNodesList());
        // Three nodes, each claimed then finished (and b, c made READY): never more than that.
        assertThat(later.stream().mapToInt(WatchResponse::getNodesCount).sum()).isLessThanOrEqualTo(8);
    }

    @Test
    void grpcWatchOfACompletedRunIsOneMessage() {
        var id = startChain();
        succeed(id, "a");
        succeed(id, "b");
        succeed(id, "c");
        var all = new ArrayList<WatchResponse>();
        grpc.watch(WatchRequest.newBuilder().setId(id).build()).forEachRemaining(all::add);
        assertThat(all).hasSize(1);
        assertThat(all.getFirst().getRun().getStatus()).isEqualTo(io.adagio.proto.Run.Status.COMPLETED);
        assertThat(all.getFirst().getStatus()).isEqualTo(io.adagio.proto.Run.Status.COMPLETED);
    }

    @Test
    void grpcWatchOfAnUnknownRunIsNotFound() {
        assertThatThrownBy(() -> grpc.watch(WatchRequest.newBuilder()
                                .setId("01ARZ3NDEKTSV4RRFFQ69G5FAV")
                                .build())
                        .next())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV");
                });
    }

    @Test
    void aCancelledGrpcWatchIsReleased() throws Exception {
        var id = startChain();
        var received = new LinkedBlockingQueue<WatchResponse>();
        var call = new CompletableFuture<io.grpc.stub.ClientCallStreamObserver<WatchRequest>>();
        grpcAsync.watch(
                WatchRequest.newBuilder().setId(id).build(),
                new io.grpc.stub.ClientResponseObserver<WatchRequest, WatchResponse>() {
                    @Override
                    public void beforeStart(io.grpc.stub.ClientCallStreamObserver<WatchRequest> requests) {
                        call.complete(requests);
                    }

                    @Override
                    public void onNext(WatchResponse value) {
                        received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                });
        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        await().atMost(WAIT).until(() -> streams() >= 1);
        call.get().cancel("the test leaves", null);
        await().atMost(WAIT).until(() -> streams() == 0);
    }

    @Test
    void sseSendsTheRunAsInspectShowsItThenChangesAndEndsWhenTheRunCompletes() {
        var id = startChain();
        try (var sse = SseStream.open(base, "/v0/runs/" + id + "/watch", Map.of())) {
            assertThat(sse.status()).isEqualTo(200);
            assertThat(sse.response().headers().firstValue("content-type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            var first = sse.next(WAIT);
            assertThat(first.id()).isNotBlank();
            JsonNode message = first.json();
            assertThat(message.get("run")).isEqualTo(http.run(id));
            assertThat(message.get("status").asText()).isEqualTo("WAITING");
            assertThat(message.get("nodes")).isEmpty();

            succeed(id, "a");
            var changed = sse.next(WAIT);
            assertThat(Long.parseLong(changed.id())).isGreaterThan(Long.parseLong(first.id()));
            assertThat(changed.json().has("run")).isFalse();
            assertThat(changed.json().get("nodes").findValuesAsText("name")).contains("a");
            assertThat(changed.json().get("status").asText()).isEqualTo("RUNNING");

            succeed(id, "b");
            succeed(id, "c");
            JsonNode last = changed.json();
            while (!last.get("status").asText().equals("COMPLETED")) {
                last = sse.next(WAIT).json();
            }
            assertThat(last.get("conclusion").asText()).isNotBlank();
            sse.awaitEnd(WAIT);
        }
    }

    @Test
    void sseResumesAfterTheLastEventIdWithWhatChangedSince() {
        var id = startChain();
        String lastId;
        try (var sse = SseStream.open(base, "/v0/runs/" + id + "/watch", Map.of())) {
            lastId = sse.next(WAIT).id();
        }
        succeed(id, "a");
        try (var sse = SseStream.open(base, "/v0/runs/" + id + "/watch", Map.of("Last-Event-ID", lastId))) {
            var resumed = sse.next(WAIT).json();
            assertThat(resumed.has("run")).as("only what changed: %s", resumed).isFalse();
            assertThat(resumed.get("nodes").findValuesAsText("name")).containsExactlyInAnyOrder("a", "b");
        }
        // An id it cannot use is answered with the whole run.
        try (var sse = SseStream.open(base, "/v0/runs/" + id + "/watch", Map.of("Last-Event-ID", "not-a-number"))) {
            assertThat(sse.next(WAIT).json().get("run")).isEqualTo(http.run(id));
        }
    }

    @Test
    void anIdleSseStreamSendsHeartbeatsAndOutlivesTheRequestTimeout() {
        var id = startChain();
        try (var sse = SseStream.open(base, "/v0/runs/" + id + "/watch", Map.of())) {
            sse.next(WAIT);
            // Armeria's default request timeout is 10 s: outlive it while nothing changes.
            long tenSeconds = Duration.ofSeconds(11).toMillis() / HEARTBEAT.toMillis() + 1;
            await().atMost(WAIT).until(() -> sse.comments() >= tenSeconds);
            assertThat(sse.ended()).isFalse();
            succeed(id, "a");
            assertThat(sse.next(WAIT).json().get("nodes").findValuesAsText("name"))
                    .contains("a");
        }
    }

    @Test
    void aDisconnectedSseClientIsReleased() throws Exception {
        var id = startChain();
        var sse = SseStream.open(base, "/v0/runs/" + id + "/watch", Map.of());
        sse.next(WAIT);
        await().atMost(WAIT).until(() -> streams() >= 1);
        sse.close();
        await().atMost(WAIT).until(() -> streams() == 0);
    }

    @Test
    void sseOfAnUnknownRunIs404AndOfAnotherTypeIs406() throws Exception {
        try (var sse = SseStream.open(base, "/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV/watch", Map.of())) {
            assertThat(sse.status()).isEqualTo(404);
        }
        var missing = http.send(HttpRequest.newBuilder(http.uri("/v0/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV/watch"))
                .header("Accept", "text/event-stream"));
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(ApiClient.json(missing).get("grpc-code").asText()).isEqualTo("NOT_FOUND");
        assertThat(ApiClient.json(missing).get("message").asText()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV");

        var id = startChain();
        var json = http.send(
                HttpRequest.newBuilder(http.uri("/v0/runs/" + id + "/watch")).header("Accept", "application/json"));
        assertThat(json.statusCode()).isEqualTo(406);
        assertThat(ApiClient.json(json).get("message").asText()).contains("text/event-stream");

        var post = http.send("POST", "/v0/runs/" + id + "/watch", "{}");
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void stoppingTheServerEndsItsStreams() {
        var other = new MemoryRepository();
        var stopping = ApiServer.builder(other)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .build()
                .start();
        try {
            var id = other.startRun(new GraphSpec(List.of(new NodeSpec("a", "debug")), List.of()))
                    .id();
            var sse = SseStream.open("http://127.0.0.1:" + stopping.port(), "/v0/runs/" + id + "/watch", Map.of());
            sse.next(WAIT);
            stopping.close();
            var error = sse.next(WAIT);
            assertThat(error.type()).isEqualTo("error");
            assertThat(error.json().get("grpc-code").asText()).isEqualTo("UNAVAILABLE");
            sse.awaitEnd(WAIT);
        } finally {
            stopping.close();
            other.close();
        }
    }
}
