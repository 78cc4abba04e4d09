package io.adagio.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.adagio.core.graph.Limits;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.memory.MemoryRepository;
import io.adagio.proto.Edge;
import io.adagio.proto.Node;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.InspectResponse;
import io.adagio.testkit.ApiClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inspect in pages, over real gRPC and HTTP connections, on a server whose message limit (64 KiB)
 * a run of 2,000 nodes is over: unpaged it is refused with a hint, paged it comes whole.
 */
class PagedInspectTest {
    private static final int NODES = 2_000;

    private static MemoryRepository repository;
    private static ApiServer server;
    private static ApiClient http;
    private static ControlPlaneGrpc.ControlPlaneBlockingStub grpc;
    private static String big;
    private static io.adagio.core.model.Run bigRun;
    private static String small;

    @BeforeAll
    static void start() {
        repository = new MemoryRepository(new Limits(10_000, 10_000, 1024, 64 * 1024));
        server = ApiServer.builder(repository)
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .limits(new Limits(10_000, 10_000, 1024, 64 * 1024))
                .build()
                .start();
        String base = "http://127.0.0.1:" + server.port();
        http = new ApiClient(base);
        grpc = GrpcClients.newClient(base, ControlPlaneGrpc.ControlPlaneBlockingStub.class);
        // A chain: node i feeds node i+1, so every node but the first has one edge in.
        var nodes = IntStream.range(0, NODES)
                .mapToObj(i -> new NodeSpec("node-" + i, "debug"))
                .toList();
        var edges = IntStream.range(1, NODES)
                .mapToObj(i -> new io.adagio.core.model.Edge("node-" + (i - 1), "node-" + i))
                .toList();
        bigRun = repository.startRun(new GraphSpec(nodes, edges));
        big = bigRun.id();
        small = repository
                .startRun(new GraphSpec(List.of(new NodeSpec("a", "debug"), new NodeSpec("b", "debug")), List.of()))
                .id();
    }

    @AfterAll
    static void stop() {
        server.close();
        repository.close();
    }

    @Test
    void everyPageCarriesTheWholeRunsConclusionNotOneOfItsOwnNodes() {
        // Two nodes on two pages: the first succeeds, the second fails, so the run concludes FAIL.
        var id = repository
                .startRun(new GraphSpec(List.of(new NodeSpec("ok", "debug"), new NodeSpec("bad", "debug")), List.of()))
                .id();
        var claim = new io.adagio.core.model.Claim("claim-ok");
        assertThat(repository.claimNode(id, "ok", claim).claimed()).isTrue();
        repository.finishNode(id, "ok", io.adagio.core.model.Result.success("fine"), claim);
        var other = new io.adagio.core.model.Claim("claim-bad");
        assertThat(repository.claimNode(id, "bad", other).claimed()).isTrue();
        repository.finishNode(id, "bad", io.adagio.core.model.Result.fail("broken"), other);

        var first = grpc.inspect(
                InspectRequest.newBuilder().setId(id).setNodeLimit(1).build());
        assertThat(first.getRun().getNodesList())
                .extracting(n -> n.getSpec().getName())
                .containsExactly("ok");
        assertThat(first.getRun().getConclusion()).isEqualTo(Node.Result.Conclusion.FAIL);
        var second = grpc.inspect(InspectRequest.newBuilder()
                .setId(id)
                .setNodeLimit(1)
                .setNodePageToken(first.getNextNodePageToken())
                .build());
        assertThat(second.getRun().getNodesList())
                .extracting(n -> n.getSpec().getName())
                .containsExactly("bad");
        assertThat(second.getRun().getConclusion()).isEqualTo(Node.Result.Conclusion.FAIL);
        repository.deleteRun(id);
    }

    @Test
    void withoutALimitASmallRunComesWholeWithNoNextPage() {
        var response = grpc.inspect(InspectRequest.newBuilder().setId(small).build());
        assertThat(response.getRun().getNodesCount()).isEqualTo(2);
        assertThat(response.getNextNodePageToken()).isEmpty();

        var json = http.getJson("/v0/runs/" + small);
        assertThat(json.get("run").get("nodes")).hasSize(2);
        assertThat(json.path("next_node_page_token").asText()).isEmpty();
    }

    @Test
    void withoutALimitARunOverTheMessageLimitIsRefusedWithAHintToPage() {
        assertThatThrownBy(() ->
                        grpc.inspect(InspectRequest.newBuilder().setId(big).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription())
                            .contains("2000 nodes")
                            .contains("node_limit")
                            .contains("node_page_token");
                });
        var response = http.get("/v0/runs/" + big);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(ApiClient.json(response).get("message").asText()).contains("node_page_token");
    }

    @Test
    void pagesOverGrpcHoldEveryNodeInOrderAndEveryEdgeOnce() {
        var nodes = new ArrayList<Node>();
        var edges = new ArrayList<Edge>();
        String token = "";
        int pages = 0;
        do {
            InspectResponse page = grpc.inspect(InspectRequest.newBuilder()
                    .setId(big)
                    .setNodeLimit(300)
                    .setNodePageToken(token)
                    .build());
            assertThat(page.getRun().getNodesCount()).isBetween(1, 300);
            assertThat(page.getRun().getId()).isEqualTo(big);
            assertThat(page.getRun().getStatus()).isEqualTo(io.adagio.proto.Run.Status.WAITING);
            nodes.addAll(page.getRun().getNodesList());
            edges.addAll(page.getRun().getEdgesList());
            token = page.getNextNodePageToken();
            pages++;
        } while (!token.isEmpty());
        assertThat(pages).isEqualTo(7);
        assertThat(nodes)
                .extracting(n -> n.getSpec().getName())
                .containsExactlyElementsOf(
                        bigRun.nodes().stream().map(n -> n.name()).toList());
        assertThat(edges).hasSize(NODES - 1);
        assertThat(new HashSet<>(edges.stream()
                        .map(e -> e.getSource() + ">" + e.getDestination())
                        .toList()))
                .hasSize(NODES - 1)
                .contains("node-0>node-1", "node-1998>node-1999");
    }

    @Test
    void aNodeBiggerThanAMessageByItselfComesAloneInABiggerPage() {
        // A fan-in of 12 nodes with outputs of 8 KiB: the sink's inputs alone (96 KiB) are more than
        // this server's 64 KiB message limit. Before, inspecting the run failed at the sink's page.
        var id = wideFanIn();
        var names = new ArrayList<String>();
        int edges = 0;
        boolean sinkSeen = false;
        String token = "";
        do {
            var page = grpc.inspect(InspectRequest.newBuilder()
                    .setId(id)
                    .setNodeLimit(100)
                    .setNodePageToken(token)
                    .build());
            var run = page.getRun();
            run.getNodesList().forEach(n -> names.add(n.getSpec().getName()));
            edges += run.getEdgesCount();
            if (names.contains("sink") && !sinkSeen) {
                sinkSeen = true;
                assertThat(run.getNodesList())
                        .extracting(n -> n.getSpec().getName())
                        .containsExactly("sink");
                assertThat(run.getNodes(0).getInputsMap()).hasSize(12);
                assertThat(run.getSerializedSize()).isGreaterThan(64 * 1024);
            } else {
                assertThat(run.getSerializedSize()).isLessThanOrEqualTo(64 * 1024);
            }
            token = page.getNextNodePageToken();
        } while (!token.isEmpty());
        var expected = new ArrayList<String>();
        IntStream.range(0, 12).forEach(i -> expected.add("up-" + i));
        expected.add("sink");
        assertThat(names).containsExactlyElementsOf(expected);
        assertThat(edges).isEqualTo(12);

        // Over HTTP too (the web UI pages this way).
        var json = http.getJson("/v0/runs/" + id + "?node_limit=100&node_page_token="
                + URLEncoder.encode(InspectPages.token(12, id), StandardCharsets.UTF_8));
        assertThat(json.get("run").get("nodes")).hasSize(1);
        assertThat(json.get("run").get("nodes").get(0).get("inputs").size()).isEqualTo(12);
        repository.deleteRun(id);
    }

    @Test
    void aNodeBiggerThanEvenALonePageIsRefusedNamingIt() {
        var id = wideFanIn();
        var run = repository.inspectRun(id);
        var pages = new InspectPages(64 * 1024, 80 * 1024);
        assertThatThrownBy(() -> {
                    String token = "";
                    do {
                        token = pages.page(run, 100, token).nextToken();
                    } while (!token.isEmpty());
                })
                .isInstanceOf(io.adagio.core.repository.RepositoryException.LimitExceeded.class)
                .hasMessageContaining("node \"sink\"")
                .hasMessageContaining("(81920 bytes)");
        repository.deleteRun(id);
    }

    /** Twelve nodes, each with an output of 8 KiB, feeding one sink, all run: the sink holds the twelve as inputs. */
    private static String wideFanIn() {
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<io.adagio.core.model.Edge>();
        for (int i = 0; i < 12; i++) {
            nodes.add(new NodeSpec("up-" + i, "debug"));
            edges.add(new io.adagio.core.model.Edge("up-" + i, "sink"));
        }
        nodes.add(new NodeSpec("sink", "debug"));
        var id = repository.startRun(new GraphSpec(nodes, edges)).id();
        var output = "x".repeat(8 * 1024);
        for (int i = 0; i < 12; i++) {
            var claim = new io.adagio.core.model.Claim("claim-up-" + i);
            assertThat(repository.claimNode(id, "up-" + i, claim).claimed()).isTrue();
            repository.finishNode(id, "up-" + i, io.adagio.core.model.Result.success(output), claim);
        }
        var claim = new io.adagio.core.model.Claim("claim-sink");
        assertThat(repository.claimNode(id, "sink", claim).claimed()).isTrue();
        repository.finishNode(id, "sink", io.adagio.core.model.Result.success("done"), claim);
        return id;
    }

    @Test
    void aLimitTooBigForOneMessageGivesFewerNodesPerPage() {
        var page = grpc.inspect(
                InspectRequest.newBuilder().setId(big).setNodeLimit(-1).build()); // uint32 max
        assertThat(page.getRun().getNodesCount()).isBetween(1, NODES - 1);
        assertThat(page.getRun().getSerializedSize()).isLessThanOrEqualTo(64 * 1024);
        assertThat(page.getNextNodePageToken()).isNotEmpty();
    }

    @Test
    void pagesOverHttpTakeTheQueryParameters() {
        var names = new ArrayList<String>();
        String token = "";
        do {
            var json = http.getJson("/v0/runs/" + big + "?node_limit=700"
                    + (token.isEmpty() ? "" : "&node_page_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
            json.get("run")
                    .get("nodes")
                    .forEach(n -> names.add(n.get("spec").get("name").asText()));
            token = json.get("next_node_page_token").asText();
        } while (!token.isEmpty());
        assertThat(names).hasSize(NODES).doesNotHaveDuplicates();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "garbage!",
                "cDE6MTAwOjAxQVJaM05ERUtUU1Y0UlJGRlE2OUc1RkFW", // p1:100:<another run's id>
                "cDE6OTk5OTk6eA", // p1:99999:x
                "cDI6MTA6eA", // p2:10:x
                "cDE6LTE6eA", // p1:-1:x
            })
    void aTokenThisServerDidNotHandOutForThisRunIsAnInvalidArgument(String token) {
        assertThatThrownBy(() -> grpc.inspect(InspectRequest.newBuilder()
                        .setId(big)
                        .setNodeLimit(10)
                        .setNodePageToken(token)
                        .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).startsWith("invalid node_page_token");
                });
        var response = http.get("/v0/runs/" + big + "?node_limit=10&node_page_token="
                + URLEncoder.encode(token, StandardCharsets.UTF_8));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(ApiClient.json(response).get("message").asText()).contains("node_page_token");
    }

    @Test
    void aTokenPastTheLastNodeOrOverlongIsAnInvalidArgumentAndABadLimitIs400() {
        String pastEnd = InspectPages.token(NODES, big);
        for (var token : List.of(pastEnd, "a".repeat(5000))) {
            assertThatThrownBy(() -> grpc.inspect(InspectRequest.newBuilder()
                            .setId(big)
                            .setNodePageToken(token)
                            .build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        }
        assertThat(http.get("/v0/runs/" + big + "?node_limit=lots").statusCode())
                .isEqualTo(400);
    }
}
