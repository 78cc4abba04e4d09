package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static io.adagio.conformance.Graphs.sevenNodeDag;
import static io.adagio.conformance.Graphs.sevenNodeDagWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Rerunning a completed run from its failures, after each kind of failure: the failed, cancelled and
 * unreached nodes start over under the same run id, the successful ones keep their attempts and
 * outputs, and retry rules count afresh.
 */
public interface RerunContract extends ConformanceSupport {

    /** Succeeds every node it can, layer by layer, but {@code failing}, which fails: what is below it is unreached. */
    default String sevenNodeRunWhere(String failing, Result failure) {
        var id = repository().startRun(sevenNodeDagWith(node(failing, 2, 0))).id();
        for (var n : List.of("a", "b", "c", "d", "f", "e", "g")) {
            if (inspectNode(id, n).status() != NodeStatus.READY) {
                continue;
            }
            if (n.equals(failing)) {
                finish(id, n, failure, claim(id, n));
                if (failure.conclusion() == Conclusion.FAIL) {
                    finish(id, n, failure, claim(id, n)); // fail's second and last attempt
                }
            } else {
                finish(id, n, Result.success("out-" + n), claim(id, n));
            }
        }
        var run = repository().inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        return id;
    }

    default Map<String, Node> byName(String runId) {
        return repository().inspectRun(runId).nodes().stream().collect(Collectors.toMap(Node::name, n -> n));
    }

    @Test
    default void aRerunAfterAFailureStartsOverFromTheFailedNodeAndKeepsTheRest() {
        var inbox = subscribe("agent-1", READY_EVENTS);
        var id = sevenNodeRunWhere("d", Result.fail("d failed"));
        inbox.awaitNewReady(id, "a", "b", "c", "d", "f");
        var before = byName(id);
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.FAIL);

        var rerun = repository().rerunRun(id);
        assertThat(rerun.id()).isEqualTo(id);
        assertThat(rerun.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(rerun.conclusion()).isEqualTo(Conclusion.NONE);
        assertThat(repository().inspectRun(id)).isEqualTo(rerun);
        for (var kept : List.of("a", "b", "c", "f")) {
            assertThat(rerun.node(kept).orElseThrow()).as(kept).isEqualTo(before.get(kept));
        }
        var d = rerun.node("d").orElseThrow();
        assertThat(d.status()).isEqualTo(NodeStatus.READY);
        assertThat(d.conclusion()).isEqualTo(Conclusion.NONE);
        assertThat(d.attempts())
                .as("earlier attempts stay")
                .isEqualTo(before.get("d").attempts());
        assertThat(d.startedAt()).isNull();
        assertThat(d.finishedAt()).isNull();
        assertThat(text(d.inputs())).isEqualTo(Map.of("a", "out-a", "b", "out-b"));
        for (var unreached : List.of("e", "g")) {
            var n = rerun.node(unreached).orElseThrow();
            assertThat(n.status()).as(unreached).isEqualTo(NodeStatus.WAITING);
            assertThat(n.startedAt()).isNull();
            assertThat(n.finishedAt()).isNull();
        }
        assertInputs(id, "e", Map.of("c", "out-c"));
        assertInputs(id, "g", Map.of("f", "out-f"));
        assertNotReady(id, "e", "g");
        inbox.awaitNewReady(id, "d");
        assertThat(repository().stats().nodeCounts()).isEqualTo(new Stats.NodeCounts(2, 1, 0, 4, 0));

        // The retry rule counts afresh: d may fail once more and be retried.
        finish(id, "d", Result.fail("again"), claim(id, "d"));
        assertThat(inspectNode(id, "d").status()).isEqualTo(NodeStatus.READY);
        finish(id, "d", Result.success("out-d"), claim(id, "d"));
        finish(id, "e", Result.success("out-e"), claim(id, "e"));
        finish(id, "g", Result.success("out-g"), claim(id, "g"));
        var done = repository().inspectRun(id);
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(done.node("d").orElseThrow().attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.FAIL, Conclusion.FAIL, Conclusion.FAIL, Conclusion.SUCCESS);
        for (var kept : List.of("a", "b", "c", "f")) {
            assertThat(done.node(kept).orElseThrow()).as(kept).isEqualTo(before.get(kept));
        }
        assertInputs(id, "g", Map.of("e", "out-e", "f", "out-f"));
        assertThat(repository().stats().nodeCounts()).isEqualTo(new Stats.NodeCounts(0, 0, 0, 7, 0));
    }

    @Test
    default void aRerunAfterAnErrorStartsOverFromTheErroredNode() {
        var id = sevenNodeRunWhere("e", Result.error("e broke"));
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.ERROR);
        var rerun = repository().rerunRun(id);
        assertThat(rerun.node("e").orElseThrow().status()).isEqualTo(NodeStatus.READY);
        assertThat(rerun.node("g").orElseThrow().status()).isEqualTo(NodeStatus.WAITING);
        assertThat(rerun.node("d").orElseThrow().conclusion()).isEqualTo(Conclusion.SUCCESS);
        driveToCompletion(id);
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.SUCCESS);
    }

    @Test
    default void aRerunAfterAnOrphanedAttemptStartsOverFromThatNode() {
        var id = repository().startRun(graph("a->b")).id();
        orphanAndAwait(id, "a", claim(id, "a"));
        var recovery = repository().claimNode(id, "a", newClaim());
        finish(id, "a", Result.error(Protocol.ORPHANED_OUTPUT), recovery.node().claim());
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.ERROR);

        var rerun = repository().rerunRun(id);
        assertThat(rerun.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(rerun.node("a").orElseThrow().status()).isEqualTo(NodeStatus.READY);
        assertThat(rerun.node("b").orElseThrow().status()).isEqualTo(NodeStatus.WAITING);
        driveToCompletion(id);
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.SUCCESS);
    }

    @Test
    default void aRerunAfterACancelStartsOverFromWhatWasCancelled() {
        var id = repository().startRun(sevenNodeDag()).id();
        finish(id, "a", Result.success("out-a"), claim(id, "a"));
        var b = claim(id, "b");
        repository().cancelRun(id);
        finish(id, "b", Result.success("out-b"), b);
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.CANCELLED);

        var rerun = repository().rerunRun(id);
        assertThat(rerun.conclusion()).isEqualTo(Conclusion.NONE);
        assertThat(rerun.node("b").orElseThrow().conclusion())
                .as("finished before its agent heard of the cancel: kept")
                .isEqualTo(Conclusion.SUCCESS);
        for (var ready : List.of("c", "d", "f")) {
            assertThat(rerun.node(ready).orElseThrow().status()).as(ready).isEqualTo(NodeStatus.READY);
        }
        driveToCompletion(id);
        var done = repository().inspectRun(id);
        assertThat(done.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(done.node("c").orElseThrow().attempts()).hasSize(1);
    }

    @Test
    default void aRunCancelledBeforeItStartedIsRerunFromTheStart() {
        var id = repository().startRun(graph("a->b")).id();
        repository().cancelRun(id);
        var rerun = repository().rerunRun(id);
        assertThat(rerun.status()).isEqualTo(RunStatus.WAITING);
        assertThat(rerun.nodes()).extracting(Node::status).containsExactly(NodeStatus.READY, NodeStatus.WAITING);
        driveToCompletion(id);
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.SUCCESS);
    }

    @Test
    default void onlyACompletedRunCanBeRerun() {
        var id = repository().startRun(graph("a->b")).id();
        assertThatThrownBy(() -> repository().rerunRun(id))
                .isInstanceOf(RepositoryException.FailedPrecondition.class)
                .hasMessageContaining(id)
                .hasMessageContaining("WAITING");
        var claim = claim(id, "a");
        assertThatThrownBy(() -> repository().rerunRun(id))
                .isInstanceOf(RepositoryException.FailedPrecondition.class)
                .hasMessageContaining("RUNNING");
        repository().cancelRun(id);
        assertThatThrownBy(() -> repository().rerunRun(id))
                .as("still stopping its running node")
                .isInstanceOf(RepositoryException.FailedPrecondition.class);
        finish(id, "a", Result.cancelled("stopped"), claim);
        repository().rerunRun(id);
        assertThatThrownBy(() -> repository().rerunRun("01JXXXXXXXXXXXXXXXXXXXXXXX"))
                .isInstanceOf(RepositoryException.NotFound.class);
    }

    @Test
    default void aSuccessfulRunHasNothingToRerun() {
        var id = repository().startRun(graph("a->b")).id();
        driveToCompletion(id);
        var before = repository().inspectRun(id);
        assertThat(repository().rerunRun(id)).isEqualTo(before);
        assertThat(repository().inspectRun(id)).isEqualTo(before);
    }

    /** A fan-in wider than a backend keeps in one record: the succeeded inputs wait for the rest. */
    @Test
    default void aRerunOfAWideFanInKeepsTheInputsOfTheUpstreamNodesThatSucceeded() {
        int width = 12;
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        for (int i = 0; i < width; i++) {
            nodes.add(node("u" + i));
            edges.add(new Edge("u" + i, "sink"));
        }
        nodes.add(node("sink"));
        var id = repository().startRun(new GraphSpec(nodes, edges)).id();
        var expected = new HashMap<String, String>();
        for (int i = 0; i < width; i++) {
            var name = "u" + i;
            if (i < 2) {
                finish(id, name, Result.fail("no"), claim(id, name));
            } else {
                finish(id, name, Result.success("from-" + name), claim(id, name));
                expected.put(name, "from-" + name);
            }
        }
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);

        repository().rerunRun(id);
        assertThat(inspectNode(id, "sink").status()).isEqualTo(NodeStatus.WAITING);
        assertInputs(id, "sink", expected);
        finish(id, "u0", Result.success("from-u0"), claim(id, "u0"));
        assertThat(inspectNode(id, "sink").status()).isEqualTo(NodeStatus.WAITING);
        finish(id, "u1", Result.success("from-u1"), claim(id, "u1"));
        expected.put("u0", "from-u0");
        expected.put("u1", "from-u1");
        eventually(() -> assertThat(inspectNode(id, "sink").status()).isEqualTo(NodeStatus.READY));
        assertInputs(id, "sink", expected);
        finish(id, "sink", Result.success(""), claim(id, "sink"));
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.SUCCESS);
    }

    /** A rerun resetting more nodes than one store transaction holds applies as a whole. */
    @Test
    default void aBigRunIsRerunAsAWhole() {
        int width = 300;
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        nodes.add(node("root"));
        for (int i = 0; i < width; i++) {
            nodes.add(node("n" + i));
            edges.add(new Edge("root", "n" + i));
        }
        var id = repository().startRun(new GraphSpec(nodes, edges)).id();
        finish(id, "root", Result.fail("no"), claim(id, "root"));
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);

        var rerun = repository().rerunRun(id);
        assertThat(rerun.nodes())
                .filteredOn(n -> n.status() == NodeStatus.WAITING)
                .hasSize(width);
        finish(id, "root", Result.success("out"), claim(id, "root"));
        eventually(() -> assertThat(repository().stats().nodeCounts().ready()).isEqualTo(width));
        assertInputs(id, "n" + (width - 1), Map.of("root", "out"));
    }
}
