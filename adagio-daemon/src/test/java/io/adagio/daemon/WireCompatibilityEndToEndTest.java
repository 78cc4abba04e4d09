package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import adagio.Adagio.Edge;
import adagio.Adagio.GraphSpec;
import adagio.Adagio.Node;
import adagio.Adagio.Run;
import adagio.rpc.controlplane.ControlPlaneGrpc;
import adagio.rpc.controlplane.Service.InspectRequest;
import adagio.rpc.controlplane.Service.ListRequest;
import adagio.rpc.controlplane.Service.StartRequest;
import adagio.rpc.controlplane.Service.StatsRequest;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client generated from the original project's .proto contract (src/test/proto: package adagio,
 * no java_package, original names and numbers only) and plain grpc-java, knowing nothing of this
 * project, against a real adagiod.
 */
@ExtendWith(SharedDaemon.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WireCompatibilityEndToEndTest {
    private ManagedChannel channel;
    private ControlPlaneGrpc.ControlPlaneBlockingStub blocking;
    private ControlPlaneGrpc.ControlPlaneFutureStub async;

    @BeforeAll
    void connect(SharedDaemon.Running daemon) {
        var uri = URI.create(daemon.api().baseUrl());
        channel = ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort())
                .usePlaintext()
                .build();
        blocking = ControlPlaneGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        async = ControlPlaneGrpc.newFutureStub(channel);
    }

    @AfterAll
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    private static GraphSpec diamond() {
        return GraphSpec.newBuilder()
                .addNodes(Node.Spec.newBuilder().setName("top").setRuntime("debug"))
                .addNodes(Node.Spec.newBuilder().setName("left").setRuntime("debug"))
                .addNodes(Node.Spec.newBuilder()
                        .setName("right")
                        .setRuntime("exec")
                        .putMetadata(
                                "adagio.arguments.exec.command",
                                adagio.Adagio.MetadataValue.newBuilder()
                                        .addValues("echo")
                                        .build())
                        .putMetadata(
                                "adagio.arguments.exec.args",
                                adagio.Adagio.MetadataValue.newBuilder()
                                        .addValues("right")
                                        .build()))
                .addNodes(Node.Spec.newBuilder().setName("bottom").setRuntime("debug"))
                .addEdges(Edge.newBuilder().setSource("top").setDestination("left"))
                .addEdges(Edge.newBuilder().setSource("top").setDestination("right"))
                .addEdges(Edge.newBuilder().setSource("left").setDestination("bottom"))
                .addEdges(Edge.newBuilder().setSource("right").setDestination("bottom"))
                .build();
    }

    @Test
    void startInspectListStatsAndListAgents() {
        var started = blocking.start(
                        StartRequest.newBuilder().setSpec(diamond()).build())
                .getRun();
        assertThat(started.getId()).hasSize(26);
        assertThat(started.getCreatedAt()).isNotEmpty();
        assertThat(started.getNodesList())
                .extracting(n -> n.getSpec().getName())
                .containsExactlyInAnyOrder("top", "left", "right", "bottom");

        var done = awaitCompleted(started.getId());
        assertThat(done.getNodesList()).allSatisfy(n -> {
            assertThat(n.getStatus()).isEqualTo(Node.Status.COMPLETED);
            assertThat(n.getAttemptsList())
                    .extracting(Node.Result::getConclusion)
                    .containsExactly(Node.Result.Conclusion.SUCCESS);
        });
        var bottom = done.getNodesList().stream()
                .filter(n -> n.getSpec().getName().equals("bottom"))
                .findFirst()
                .orElseThrow();
        assertThat(bottom.getInputsMap()).containsOnlyKeys("left", "right");
        assertThat(bottom.getInputsMap().get("right").toStringUtf8()).contains("right");

        assertThat(blocking.listRuns(ListRequest.newBuilder().setLimit(1000).build())
                        .getRunsList())
                .extracting(Run::getId)
                .contains(started.getId());
        var stats = blocking.stats(StatsRequest.getDefaultInstance()).getStats();
        assertThat(stats.getRunCount()).isGreaterThanOrEqualTo(1);
        assertThat(stats.getNodeCounts().getCompletedCount()).isGreaterThanOrEqualTo(4);
        var agents = blocking.listAgents(ListRequest.getDefaultInstance()).getAgentsList();
        assertThat(agents).isNotEmpty();
        assertThat(agents.getFirst().getRuntimesList())
                .extracting(r -> r.getName())
                .contains("debug", "exec");
    }

    @Test
    void cycleIsInvalidArgumentAndUnknownIdIsNotFound() {
        var cyclic = diamond().toBuilder()
                .addEdges(Edge.newBuilder().setSource("bottom").setDestination("top"))
                .build();
        assertThatThrownBy(() ->
                        blocking.start(StartRequest.newBuilder().setSpec(cyclic).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("cycle");
                });
        assertThatThrownBy(() -> blocking.inspect(InspectRequest.newBuilder()
                        .setId("01ARZ3NDEKTSV4RRFFQ69G5FAV")
                        .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void fiftyConcurrentRunsAllSucceed() throws Exception {
        var starts = new ArrayList<ListenableFuture<adagio.rpc.controlplane.Service.StartResponse>>();
        for (int i = 0; i < 50; i++) {
            starts.add(async.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .start(StartRequest.newBuilder().setSpec(diamond()).build()));
        }
        var ids = new ArrayList<String>();
        for (var start : starts) {
            ids.add(start.get(60, TimeUnit.SECONDS).getRun().getId());
        }
        assertThat(ids).doesNotHaveDuplicates().hasSize(50);
        for (var id : ids) {
            var run = awaitCompleted(id);
            assertThat(run.getNodesList())
                    .allSatisfy(n -> assertThat(n.getAttemptsList())
                            .extracting(Node.Result::getConclusion)
                            .containsExactly(Node.Result.Conclusion.SUCCESS));
        }
    }

    /**
     * Runs using what the original contract does not know (a timeout, a retry backoff, a cancel, run
     * and node conclusions, attempt times and agents) read through the original client: every field
     * it knows is as before, the new ones are ignored, and a CANCELLED attempt is an enum value it
     * keeps as a number.
     */
    @Test
    void runsUsingNewFeaturesStillReadThroughTheOriginalContract(SharedDaemon.Running daemon) throws Exception {
        var api = daemon.api();
        String timedOut = api.startRun("""
                {"nodes": [{"name": "slow", "runtime": "exec", "timeout": "0.2s",
                            "metadata": {"adagio.arguments.exec.command": {"values": ["sleep"]},
                                         "adagio.arguments.exec.args": {"values": ["30"]}},
                            "retry": {"fail": {"max_attempts": 2, "backoff": {"initial": "0.1s"}}}},
                           {"name": "after", "runtime": "debug"}],
                 "edges": [{"source": "slow", "destination": "after"}]}""");
        var run = awaitCompleted(timedOut);
        var slow = run.getNodesList().stream()
                .filter(n -> n.getSpec().getName().equals("slow"))
                .findFirst()
                .orElseThrow();
        assertThat(slow.getStatus()).isEqualTo(Node.Status.COMPLETED);
        assertThat(slow.getAttemptsList())
                .extracting(Node.Result::getConclusion)
                .containsExactly(Node.Result.Conclusion.ERROR);
        assertThat(slow.getSpec().getRetryMap().get("fail").getMaxAttempts()).isEqualTo(2);
        assertThat(slow.getStartedAt()).isNotEmpty();
        assertThat(slow.getFinishedAt()).isNotEmpty();
        var after = run.getNodesList().stream()
                .filter(n -> n.getSpec().getName().equals("after"))
                .findFirst()
                .orElseThrow();
        assertThat(after.getStatus()).isEqualTo(Node.Status.COMPLETED);
        assertThat(after.getAttemptsList()).isEmpty();

        String cancelled = blocking.start(StartRequest.newBuilder()
                        .setSpec(GraphSpec.newBuilder()
                                .addNodes(Node.Spec.newBuilder()
                                        .setName("long")
                                        .setRuntime("exec")
                                        .putMetadata(
                                                "adagio.arguments.exec.command",
                                                adagio.Adagio.MetadataValue.newBuilder()
                                                        .addValues("sleep")
                                                        .build())
                                        .putMetadata(
                                                "adagio.arguments.exec.args",
                                                adagio.Adagio.MetadataValue.newBuilder()
                                                        .addValues("60")
                                                        .build())))
                        .build())
                .getRun()
                .getId();
        Awaitility.await("the long node running")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () -> blocking.inspect(InspectRequest.newBuilder()
                                        .setId(cancelled)
                                        .build())
                                .getRun()
                                .getNodes(0)
                                .getStatus(),
                        Node.Status.RUNNING::equals);
        var answer = api.post("/v0/runs/" + cancelled + "/cancel", "{}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        var stopped = awaitCompleted(cancelled).getNodes(0);
        assertThat(stopped.getStatus()).isEqualTo(Node.Status.COMPLETED);
        assertThat(stopped.getAttemptsList()).hasSize(1);
        assertThat(stopped.getAttempts(0).getConclusion()).isEqualTo(Node.Result.Conclusion.UNRECOGNIZED);
        assertThat(stopped.getAttempts(0).getConclusionValue()).isEqualTo(4);
        // Unknown fields are kept as such, not mistaken for known ones.
        assertThat(stopped.getAttempts(0).getUnknownFields().asMap()).containsKeys(4, 5, 6);
    }

    private Run awaitCompleted(String id) {
        return Awaitility.await("run " + id + " completed")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> blocking.inspect(
                                        InspectRequest.newBuilder().setId(id).build())
                                .getRun(),
                        run -> run.getStatus() == Run.Status.COMPLETED);
    }

    /** Paging is an extension: a client that knows nothing of it gets the whole run and no field it cannot read. */
    @Test
    void aSevenNodeRunInspectedByTheOriginalClientComesWholeInOneAnswer() {
        var spec = diamond().toBuilder();
        for (var name : new String[] {"after-1", "after-2", "after-3"}) {
            spec.addNodes(Node.Spec.newBuilder().setName(name).setRuntime("debug"))
                    .addEdges(Edge.newBuilder().setSource("bottom").setDestination(name));
        }
        var started =
                blocking.start(StartRequest.newBuilder().setSpec(spec).build()).getRun();

        var response = blocking.inspect(
                InspectRequest.newBuilder().setId(started.getId()).build());
        assertThat(response.getUnknownFields().asMap()).isEmpty();
        assertThat(response.getRun().getId()).isEqualTo(started.getId());
        assertThat(response.getRun().getNodesList())
                .extracting(n -> n.getSpec().getName())
                .containsExactly("top", "left", "right", "bottom", "after-1", "after-2", "after-3");
        assertThat(response.getRun().getEdgesList()).containsExactlyElementsOf(spec.getEdgesList());
    }
}
