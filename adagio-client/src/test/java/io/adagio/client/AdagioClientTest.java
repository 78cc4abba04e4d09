package io.adagio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.adagio.client.AdagioClientException.Code;
import io.adagio.client.workflow.Debug;
import io.adagio.client.workflow.Exec;
import io.adagio.client.workflow.WorkflowBuilder;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.testkit.AdagiodProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real adagiod process. */
class AdagioClientTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    static AdagiodProcess daemon;
    static AdagioClient client;

    @BeforeAll
    static void startDaemon() throws Exception {
        daemon = AdagiodProcess.startListening(dir);
        client = AdagioClient.connect(daemon.address());
    }

    @AfterAll
    static void stopDaemon() {
        if (client != null) {
            client.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    private static GraphSpec twoNodes(Debug second) {
        var workflow = new WorkflowBuilder();
        var first = workflow.node("first", Exec.command("echo").args("hello"));
        workflow.node("second", second).dependsOn(first);
        return workflow.build();
    }

    @Test
    void startsARunAndWaitsForItToComplete() throws Exception {
        Run started = client.start(twoNodes(Debug.success()));
        assertThat(started.id()).hasSize(26);
        assertThat(started.nodes()).extracting(n -> n.name()).containsExactly("first", "second");

        var updates = new ArrayList<Run>();
        Run done = client.awaitCompletion(started.id(), WAIT, updates::add);

        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(RunSummary.of(done).succeeded()).isTrue();
        assertThat(done.node("first").orElseThrow().attempts().getFirst().outputText())
                .contains("hello");
        assertThat(updates).isNotEmpty().last().isEqualTo(done);
        assertThat(client.inspect(started.id())).isEqualTo(done);
    }

    @Test
    void aFailedNodeMakesTheRunFailAndItsDownstreamUnreached() throws Exception {
        var workflow = new WorkflowBuilder();
        var bad = workflow.node("bad", Debug.fail());
        workflow.node("after", Debug.success()).dependsOn(bad);
        Run done = client.awaitCompletion(workflow.start(client).id(), WAIT);

        var summary = RunSummary.of(done);
        assertThat(summary.outcome()).isEqualTo(RunSummary.Outcome.FAILED);
        assertThat(summary.failed()).extracting(n -> n.name()).containsExactly("bad");
        assertThat(summary.unreached()).extracting(n -> n.name()).containsExactly("after");
        assertThat(done.node("bad").orElseThrow().lastConclusion()).isEqualTo(Conclusion.FAIL);
    }

    @Test
    void anInvalidSpecIsRefusedWithTheServersMessage() {
        var spec = new GraphSpec(List.of(new NodeSpec("a", "debug")), List.of(new Edge("a", "ghost")));

        assertThatThrownBy(() -> client.start(spec)).isInstanceOfSatisfying(AdagioClientException.class, e -> {
            assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains("\"ghost\"").doesNotContain("Exception");
        });
    }

    @Test
    void anUnknownRunIsNotFound() {
        assertThatThrownBy(() -> client.inspect("01ARZ3NDEKTSV4RRFFQ69G5FAV"))
                .isInstanceOfSatisfying(AdagioClientException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
                    assertThat(e.getMessage()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV");
                });
    }

    @Test
    void listsRunsNewestFirstWithinAWindowAndALimit() throws Exception {
        Instant before = Instant.now().minusMillis(1);
        String older = client.start(twoNodes(Debug.success())).id();
        String newer = client.start(twoNodes(Debug.success())).id();

        assertThat(client.listRuns(before, null, 0)).extracting(Run::id).containsExactly(newer, older);
        assertThat(client.listRuns(before, null, 1)).extracting(Run::id).containsExactly(newer);
        assertThat(client.listRuns(null, before, 0)).extracting(Run::id).doesNotContain(older, newer);
        assertThat(client.listRuns()).extracting(Run::id).contains(older, newer);
    }

    @Test
    void statsCountRunsAndNodes() throws Exception {
        Run run = client.start(twoNodes(Debug.success()));
        client.awaitCompletion(run.id(), WAIT);

        var stats = client.stats();
        assertThat(stats.runCount()).isGreaterThanOrEqualTo(1);
        assertThat(stats.nodeCounts().completed()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void deletesACompletedRunAndRefusesOneStillRunning() throws Exception {
        Run done =
                client.awaitCompletion(client.start(twoNodes(Debug.success())).id(), WAIT);
        client.delete(done.id());
        assertThatThrownBy(() -> client.inspect(done.id()))
                .isInstanceOfSatisfying(
                        AdagioClientException.class, e -> assertThat(e.code()).isEqualTo(Code.NOT_FOUND));
        assertThatThrownBy(() -> client.delete(done.id())).isInstanceOfSatisfying(AdagioClientException.class, e -> {
            assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
            assertThat(e.getMessage()).contains(done.id());
        });

        var workflow = new WorkflowBuilder();
        workflow.node("slow", Debug.success().sleep(Duration.ofSeconds(30)));
        Run running = workflow.start(client);
        assertThatThrownBy(() -> client.delete(running.id())).isInstanceOfSatisfying(AdagioClientException.class, e -> {
            assertThat(e.code()).isNotEqualTo(Code.NOT_FOUND);
            assertThat(e.getMessage()).contains(running.id(), "only a completed run can be deleted");
        });
        assertThat(client.inspect(running.id()).id()).isEqualTo(running.id());
        assertThatThrownBy(() -> client.delete(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theMemoryBackendSaysNothingAboutStorage() {
        assertThat(client.storage()).isEmpty();
    }

    @Test
    void agentsShowTheirRuntimes() {
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(client.agents())
                        .anySatisfy(a -> assertThat(a.runtimes()).contains("debug", "exec")));
    }

    @Test
    void awaitingGivesUpAtTheDeadline() {
        var workflow = new WorkflowBuilder();
        workflow.node("slow", Debug.success().sleep(Duration.ofSeconds(30)));
        Run run = workflow.start(client);

        assertThatThrownBy(() -> client.awaitCompletion(run.id(), Duration.ofMillis(300)))
                .isInstanceOfSatisfying(
                        AdagioClientException.class, e -> assertThat(e.code()).isEqualTo(Code.DEADLINE_EXCEEDED));
        assertThat(client.inspect(run.id()).node("slow").orElseThrow().status())
                .isIn(NodeStatus.READY, NodeStatus.RUNNING);
    }

    @Test
    void watchGivesTheRunThenWhatChangesUntilItCompletes() {
        var workflow = new WorkflowBuilder();
        var a = workflow.node("a", Debug.success().sleep(Duration.ofMillis(200)));
        var b = workflow.node("b", Debug.success().sleep(Duration.ofMillis(200)))
                .dependsOn(a);
        workflow.node("c", Debug.success()).dependsOn(b);
        Run run = workflow.start(client);

        var updates = new ArrayList<WatchUpdate>();
        try (var watch = client.watch(run.id())) {
            watch.forEachRemaining(updates::add);
        }
        assertThat(updates.getFirst().first()).isTrue();
        assertThat(updates.getFirst().changed()).extracting(n -> n.name()).containsExactly("a", "b", "c");
        assertThat(updates.subList(1, updates.size()))
                .isNotEmpty()
                .allSatisfy(u -> assertThat(u.first()).isFalse())
                .allSatisfy(u -> assertThat(u.changed()).isNotEmpty().hasSizeLessThanOrEqualTo(3));
        var last = updates.getLast();
        assertThat(last.completed()).isTrue();
        assertThat(last.run()).isEqualTo(client.inspect(run.id()));
    }

    @Test
    void watchingAnUnknownRunIsNotFound() {
        try (var watch = client.watch("01ARZ3NDEKTSV4RRFFQ69G5FAV")) {
            assertThatThrownBy(watch::hasNext).isInstanceOfSatisfying(AdagioClientException.class, e -> {
                assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
                assertThat(e.getMessage()).contains("01ARZ3NDEKTSV4RRFFQ69G5FAV");
            });
        }
    }

    @Test
    void aClosedWatchEnds() {
        var workflow = new WorkflowBuilder();
        workflow.node("slow", Debug.success().sleep(Duration.ofSeconds(30)));
        Run run = workflow.start(client);
        var watch = client.watch(run.id());
        assertThat(watch.next().first()).isTrue();
        watch.close();
        assertThat(watch.hasNext()).isFalse();
    }

    @Test
    void anUnreachableServerIsUnavailableAndNamed() {
        int port = AdagiodProcess.freePort();
        try (var nowhere = AdagioClient.connect("127.0.0.1:" + port)) {
            assertThatThrownBy(nowhere::stats).isInstanceOfSatisfying(AdagioClientException.class, e -> {
                assertThat(e.code()).isEqualTo(Code.UNAVAILABLE);
                assertThat(e.getMessage())
                        .isEqualTo("cannot reach adagiod at 127.0.0.1:" + port + ": connection refused");
                assertThat(e.target()).isEqualTo("127.0.0.1:" + port);
            });
        }
    }

    @Test
    void aBadAddressIsRefusedBeforeAnyCall() {
        assertThatThrownBy(() -> AdagioClient.connect("host:notaport"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host:notaport");
    }

    @Test
    void aRunBiggerThanOnePageIsInspectedWholeInPages() {
        int size = AdagioClient.INSPECT_PAGE_NODES + 2_000;
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        for (int i = 0; i < size; i++) {
            nodes.add(new NodeSpec("n" + i, "debug"));
            if (i > 0) {
                edges.add(new Edge("n" + (i - 1), "n" + i));
            }
        }
        Run started = client.start(new GraphSpec(nodes, edges));

        Run read = client.inspect(started.id());
        assertThat(read.id()).isEqualTo(started.id());
        assertThat(read.createdAt()).isEqualTo(started.createdAt());
        assertThat(read.nodes())
                .extracting(n -> n.name())
                .containsExactlyElementsOf(nodes.stream().map(NodeSpec::name).toList());
        assertThat(read.edges()).containsExactlyInAnyOrderElementsOf(edges);
    }
}
