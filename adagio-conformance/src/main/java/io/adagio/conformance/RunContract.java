package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static io.adagio.conformance.Graphs.sevenNodeDag;
import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The run as a whole: the seven-node example walked layer by layer, a start, outputs handed on as inputs, runs driven concurrently. */
public interface RunContract extends ConformanceSupport {
    @Test
    default void sevenNodeDagWalkedLayerByLayer() {
        var inbox = subscribe("agent-1", READY_EVENTS);
        var run = repository().startRun(sevenNodeDag());
        String id = run.id();

        assertThat(run.status()).isEqualTo(RunStatus.WAITING);
        assertStatuses(
                id,
                Map.of(
                        "a",
                        NodeStatus.READY,
                        "b",
                        NodeStatus.READY,
                        "c",
                        NodeStatus.WAITING,
                        "d",
                        NodeStatus.WAITING,
                        "e",
                        NodeStatus.WAITING,
                        "f",
                        NodeStatus.WAITING,
                        "g",
                        NodeStatus.WAITING));
        inbox.awaitNewReady(id, "a", "b");
        assertNotReady(id, "c", "d", "e", "f", "g");

        // Layer 1: the roots.
        var claimA = claim(id, "a");
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);
        var claimB = claim(id, "b");
        finish(id, "a", Result.success("out-a"), claimA);
        // c needs only a; d also needs b, which is still running.
        assertThat(inspectNode(id, "c").status()).isEqualTo(NodeStatus.READY);
        assertThat(inspectNode(id, "d").status()).isEqualTo(NodeStatus.WAITING);
        finish(id, "b", Result.success("out-b"), claimB);
        inbox.awaitNewReady(id, "c", "d", "f");
        assertInputs(id, "c", Map.of("a", "out-a"));
        assertInputs(id, "d", Map.of("a", "out-a", "b", "out-b"));
        assertInputs(id, "f", Map.of("b", "out-b"));
        assertNotReady(id, "e", "g");
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);

        // Layer 2: c, d, f. The claim answer carries the inputs the agent hands to the runtime.
        var claimedC = repository().claimNode(id, "c", newClaim());
        assertThat(claimedC.claimed()).isTrue();
        assertThat(text(claimedC.node().inputs())).isEqualTo(Map.of("a", "out-a"));
        finish(id, "c", Result.success("out-c"), claimedC.node().claim());
        assertThat(inspectNode(id, "e").status()).as("e still waits for d").isEqualTo(NodeStatus.WAITING);
        finish(id, "d", Result.success("out-d"), claim(id, "d"));
        finish(id, "f", Result.success("out-f"), claim(id, "f"));
        inbox.awaitNewReady(id, "e");
        assertInputs(id, "e", Map.of("c", "out-c", "d", "out-d"));
        assertNotReady(id, "g");
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);

        // Layer 3: e.
        finish(id, "e", Result.success("out-e"), claim(id, "e"));
        inbox.awaitNewReady(id, "g");
        assertInputs(id, "g", Map.of("e", "out-e", "f", "out-f"));
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);

        // Layer 4: g, and the run is complete.
        finish(id, "g", Result.success("out-g"), claim(id, "g"));
        var done = repository().inspectRun(id);
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        for (var n : done.nodes()) {
            assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(n.attempts()).as(n.name()).hasSize(1);
            assertThat(n.attempts().getFirst().conclusion()).isEqualTo(Conclusion.SUCCESS);
            assertThat(n.attempts().getFirst().outputText()).isEqualTo("out-" + n.name());
            assertThat(n.startedAt()).as(n.name()).isNotNull();
            assertThat(n.finishedAt()).as(n.name()).isNotNull().isAfterOrEqualTo(n.startedAt());
        }
    }

    @Test
    default void startCreatesRunWithTimeOrderedIdRootsReadyAndSpecKept() {
        var spec = new GraphSpec(
                List.of(
                        new NodeSpec(
                                "fetch",
                                "exec",
                                Map.of(
                                        "adagio.arguments.exec.command",
                                        List.of("curl"),
                                        "adagio.arguments.exec.args",
                                        List.of("-s", "http://127.0.0.1:9/x")),
                                Map.of("error", io.adagio.core.model.RetryRule.maxAttempts(3))),
                        node("report")),
                List.of(new Edge("fetch", "report")));
        Instant before = Instant.now();
        var first = repository().startRun(spec);
        var second = repository().startRun(spec);
        Instant after = Instant.now();

        assertThat(first.id()).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(second.id()).isGreaterThan(first.id());
        assertThat(first.createdAt()).isBetween(before.minusSeconds(5), after.plusSeconds(5));
        assertThat(second.createdAt()).isAfterOrEqualTo(first.createdAt());
        assertThat(first.status()).isEqualTo(RunStatus.WAITING);
        assertThat(first.edges()).containsExactly(new Edge("fetch", "report"));
        assertThat(first.nodes()).extracting(Node::spec).containsExactlyElementsOf(spec.nodes());
        assertThat(first.nodes()).extracting(Node::status).containsExactly(NodeStatus.READY, NodeStatus.WAITING);
        assertThat(first.nodes()).allSatisfy(n -> {
            assertThat(n.attempts()).isEmpty();
            assertThat(n.claim()).isNull();
            assertThat(n.startedAt()).isNull();
            assertThat(n.finishedAt()).isNull();
        });
        assertThat(repository().inspectRun(first.id())).isEqualTo(first);
    }

    @Test
    default void outputsArriveAsInputsByteForByteAndResultMetadataIsKept() {
        var id = repository().startRun(graph("a->b")).id();
        byte[] binary = {0, (byte) 0xff, (byte) 0x80, 10, 13, 'x', 0};
        var result =
                new Result(Conclusion.SUCCESS, Map.of("exit-code", List.of("0"), "k", List.of("v1", "v2")), binary);
        finish(id, "a", result, claim(id, "a"));

        var a = inspectNode(id, "a");
        assertThat(a.attempts())
                .singleElement()
                .satisfies(r -> assertThat(r.sameOutcome(result))
                        .as("recorded as reported: %s", r)
                        .isTrue());
        assertThat(inspectNode(id, "b").inputs().get("a")).containsExactly(binary);
    }

    @Test
    default void concurrentFinishesOfAFanInMakeTheSinkReadyOnceWithEveryInput() throws Exception {
        int sources = 32;
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        for (int i = 0; i < sources; i++) {
            nodes.add(node("s" + i));
            edges.add(new Edge("s" + i, "sink"));
        }
        nodes.add(node("sink"));
        var inbox = subscribe("agent-1", READY_EVENTS);
        var id = repository().startRun(new GraphSpec(nodes, edges)).id();
        var claims = new HashMap<String, Claim>();
        for (int i = 0; i < sources; i++) {
            claims.put("s" + i, claim(id, "s" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            var futures = new ArrayList<Future<?>>();
            claims.forEach((name, claim) -> futures.add(
                    pool.submit(() -> repository().finishNode(id, name, Result.success("from-" + name), claim))));
            for (var f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        var sink = inspectNode(id, "sink");
        assertThat(sink.status()).isEqualTo(NodeStatus.READY);
        assertThat(text(sink.inputs()))
                .hasSize(sources)
                .allSatisfy((from, output) -> assertThat(output).isEqualTo("from-" + from));
        inbox.awaitReady(id, "sink");
        assertThat(repository().claimNode(id, "sink", newClaim()).claimed()).isTrue();
    }

    @Test
    default void runsDrivenConcurrentlyAllComplete() throws Exception {
        int runs = 8;
        var ids = new ArrayList<String>();
        for (int i = 0; i < runs; i++) {
            ids.add(repository().startRun(sevenNodeDag()).id());
        }
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        try {
            var futures = ids.stream()
                    .map(id -> pool.submit(() -> driveToCompletion(id)))
                    .toList();
            for (var f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        for (var id : ids) {
            assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
        }
        var counts = repository().stats().nodeCounts();
        assertThat(counts.completed()).isEqualTo(7L * runs);
        assertThat(counts.total()).isEqualTo(7L * runs);
    }
}
