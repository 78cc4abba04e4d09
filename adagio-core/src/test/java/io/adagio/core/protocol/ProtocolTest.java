package io.adagio.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.graph.GraphValidator;
import io.adagio.core.graph.RunGraph;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RepositoryException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The protocol on its own, over a plain map, where a backend's behaviour cannot reach. */
class ProtocolTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05.123456789Z");

    /** A NodeTable over a HashMap that records every write, to check what a step touches. */
    static final class Table implements NodeTable {
        final RunGraph graph;
        final Map<String, NodeState> states = new HashMap<>();
        final List<String> writes = new ArrayList<>();

        Table(GraphSpec spec) {
            graph = new GraphValidator().validate(spec);
            graph.nodes()
                    .forEach(n -> states.put(
                            n.name(), NodeState.initial(graph.upstream(n.name()).size())));
        }

        @Override
        public String runId() {
            return "run-1";
        }

        @Override
        public NodeSpec spec(String node) {
            return graph.node(node);
        }

        @Override
        public List<String> downstream(String node) {
            return graph.downstream(node);
        }

        @Override
        public NodeState get(String node) {
            return states.get(node);
        }

        @Override
        public void put(String node, NodeState state) {
            writes.add(node);
            states.put(node, state);
        }

        NodeStatus status(String node) {
            return states.get(node).status();
        }
    }

    private static GraphSpec spec(List<NodeSpec> nodes, String... edges) {
        return new GraphSpec(
                nodes,
                java.util.Arrays.stream(edges)
                        .map(e -> {
                            var p = e.split("->");
                            return new Edge(p[0], p[1]);
                        })
                        .toList());
    }

    private static NodeSpec node(String name) {
        return new NodeSpec(name, "debug");
    }

    private static Claim claim(Table t, String node) {
        var c = new Claim("c-" + node + "-" + t.writes.size());
        assertThat(Protocol.claim(t, node, c, NOW).claimed()).isTrue();
        return c;
    }

    @Test
    void aClaimNeedsAnId() {
        var t = new Table(spec(List.of(node("a"))));
        assertThatThrownBy(() -> Protocol.claim(t, "a", null, NOW))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> Protocol.claim(t, "a", new Claim(""), NOW))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> Protocol.claim(t, "a", new Claim(null), NOW))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThat(t.writes).isEmpty();
        assertThat(t.status("a")).isEqualTo(NodeStatus.READY);
    }

    @Test
    void aClaimRecordsTheClaimAndStartTime() {
        var t = new Table(spec(List.of(node("a"))));
        var c = new Claim("holder", Map.of("agent", List.of("pool-1")));
        var step = Protocol.claim(t, "a", c, NOW);
        assertThat(step.claimed()).isTrue();
        assertThat(step.orphanRecovery()).isFalse();
        assertThat(step.events()).isEmpty();
        assertThat(step.node().claim()).isEqualTo(c);
        assertThat(step.node().startedAt()).isEqualTo(NOW);
        assertThat(t.writes).containsExactly("a");
    }

    @Test
    void aFinishNeedsAResultWithAConclusion() {
        var t = new Table(spec(List.of(node("a"))));
        var c = claim(t, "a");
        assertThatThrownBy(() -> Protocol.finish(t, "a", null, c, NOW))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> Protocol.finish(t, "a", new Result(null, null, null), c, NOW))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> Protocol.finish(t, "a", Result.success(""), null, NOW))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        assertThat(t.status("a")).isEqualTo(NodeStatus.RUNNING);
    }

    @Test
    void aSuccessWritesTheNodeAndEachDownstreamNodeOnce() {
        var t = new Table(
                spec(List.of(node("a"), node("b"), node("c"), node("d"), node("x")), "a->b", "a->c", "a->d", "x->d"));
        var c = claim(t, "a");
        t.writes.clear();
        var step = Protocol.finish(t, "a", Result.success("out"), c, NOW);
        assertThat(t.writes).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(step.events())
                .containsExactlyInAnyOrder(Event.ready("run-1", node("b")), Event.ready("run-1", node("c")));
        assertThat(t.status("d")).isEqualTo(NodeStatus.WAITING);
        assertThat(t.get("d").waitingOn()).isEqualTo(1);
        assertThat(new String(t.get("d").inputs().get("a"))).isEqualTo("out");
        assertThat(step.node().finishedAt()).isEqualTo(NOW);
    }

    @Test
    void unreachedPropagationStopsAtNodesAlreadyCompleted() {
        // f1 and f2 both feed a long chain; once f1's failure has left the chain unreached, f2's
        // failure must not walk it again.
        var nodes = new ArrayList<NodeSpec>(List.of(node("f1"), node("f2")));
        var edges = new ArrayList<String>(List.of("f1->m0", "f2->m0"));
        for (int i = 0; i < 50; i++) {
            nodes.add(node("m" + i));
            if (i > 0) {
                edges.add("m" + (i - 1) + "->m" + i);
            }
        }
        var t = new Table(spec(nodes, edges.toArray(String[]::new)));
        var c1 = claim(t, "f1");
        var c2 = claim(t, "f2");
        Protocol.finish(t, "f1", Result.fail("no"), c1, NOW);
        assertThat(t.states).allSatisfy((name, s) -> {
            if (!name.equals("f2")) {
                assertThat(s.status()).as(name).isEqualTo(NodeStatus.COMPLETED);
            }
        });
        t.writes.clear();
        Protocol.finish(t, "f2", Result.fail("no"), c2, NOW);
        assertThat(t.writes).containsExactly("f2");
    }

    @Test
    void aSuccessLeavesAnAlreadyUnreachedDownstreamNodeAlone() {
        var t = new Table(spec(List.of(node("ok"), node("bad"), node("sink")), "ok->sink", "bad->sink"));
        var good = claim(t, "ok");
        Protocol.finish(t, "bad", Result.error("boom"), claim(t, "bad"), NOW);
        var before = t.get("sink");
        assertThat(before.status()).isEqualTo(NodeStatus.COMPLETED);
        var step = Protocol.finish(t, "ok", Result.success("late"), good, NOW);
        assertThat(step.events()).isEmpty();
        assertThat(t.get("sink")).isSameAs(before);
    }

    @Test
    void retryAllowanceCountsAttemptsOfTheSameConclusionIncludingTheFirst() {
        var spec = new NodeSpec("a", "debug", Map.of(), Map.of("fail", RetryRule.maxAttempts(3)));
        var none = NodeState.initial(0);
        var oneFail = new NodeState(NodeStatus.RUNNING, List.of(Result.fail("")), null, null, null, null, 0, false);
        var twoFailsOneError = new NodeState(
                NodeStatus.RUNNING,
                List.of(Result.fail(""), Result.error(""), Result.fail("")),
                null,
                null,
                null,
                null,
                0,
                false);
        assertThat(Protocol.allowsAnotherAttempt(spec, none, Conclusion.FAIL)).isTrue();
        assertThat(Protocol.allowsAnotherAttempt(spec, oneFail, Conclusion.FAIL))
                .isTrue();
        assertThat(Protocol.allowsAnotherAttempt(spec, twoFailsOneError, Conclusion.FAIL))
                .isFalse();
        // No rule for error: one attempt, however many fails came before.
        assertThat(Protocol.allowsAnotherAttempt(spec, none, Conclusion.ERROR)).isFalse();
        assertThat(Protocol.allowsAnotherAttempt(new NodeSpec("b", "debug"), none, Conclusion.FAIL))
                .isFalse();
    }

    @Test
    void aRetryClearsTheClaimAndAnnouncesTheNodeAgain() {
        var t = new Table(
                spec(List.of(new NodeSpec("a", "debug", Map.of(), Map.of("error", RetryRule.maxAttempts(2))))));
        var c = claim(t, "a");
        var step = Protocol.finish(t, "a", Result.error("x"), c, NOW);
        assertThat(step.node().status()).isEqualTo(NodeStatus.READY);
        assertThat(step.node().claim()).isNull();
        assertThat(step.node().finishedAt()).isNull();
        assertThat(step.events()).containsExactly(Event.ready("run-1", t.spec("a")));
    }

    @Test
    void orphaningLeavesNodesThatAreNotRunningAlone() {
        var t = new Table(spec(List.of(node("a"), node("b")), "a->b"));
        for (var name : List.of("a", "b")) {
            var step = Protocol.orphan(t, name);
            assertThat(step.events()).isEmpty();
        }
        assertThat(t.writes).isEmpty();
        var c = claim(t, "a");
        var orphaned = Protocol.orphan(t, "a");
        assertThat(orphaned.node().status()).isEqualTo(NodeStatus.NONE);
        assertThat(orphaned.node().claim()).isNull();
        assertThat(orphaned.events()).containsExactly(Event.orphaned("run-1", t.spec("a")));
        assertThat(Protocol.orphan(t, "a").events())
                .as("orphaning twice emits once")
                .isEmpty();
        var recovery = Protocol.claim(t, "a", new Claim("new"), NOW);
        assertThat(recovery.orphanRecovery()).isTrue();
        assertThatThrownBy(() -> Protocol.finish(t, "a", Result.success(""), c, NOW))
                .isInstanceOf(RepositoryException.StaleClaim.class)
                .hasMessageContaining(c.id());
    }

    @Test
    void unknownNodesAreNotFound() {
        var t = new Table(spec(List.of(node("a"))));
        assertThatThrownBy(() -> Protocol.claim(t, "zz", new Claim("c"), NOW))
                .isInstanceOf(RepositoryException.NotFound.class)
                .hasMessageContaining("zz")
                .hasMessageContaining("run-1");
        assertThatThrownBy(() -> Protocol.finish(t, "zz", Result.success(""), new Claim("c"), NOW))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> Protocol.orphan(t, "zz")).isInstanceOf(RepositoryException.NotFound.class);
    }

    @Test
    void runStatusFollowsCompletionAndStart() {
        assertThat(Protocol.runStatus(3, 0, false)).isEqualTo(RunStatus.WAITING);
        assertThat(Protocol.runStatus(3, 0, true)).isEqualTo(RunStatus.RUNNING);
        assertThat(Protocol.runStatus(3, 2, true)).isEqualTo(RunStatus.RUNNING);
        assertThat(Protocol.runStatus(3, 3, true)).isEqualTo(RunStatus.COMPLETED);
        // Completion decides, whether or not a start was seen.
        assertThat(Protocol.runStatus(1, 1, false)).isEqualTo(RunStatus.COMPLETED);
    }
}
