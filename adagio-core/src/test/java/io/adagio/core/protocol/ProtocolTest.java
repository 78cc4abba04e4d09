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

    /** A run over a HashMap that stores every step's changes, to check what a step touches. */
    static final class Table implements WholeRun {
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
        public NodeState state(String node) {
            return states.get(node);
        }

        @Override
        public List<String> nodes() {
            return graph.nodes().stream().map(NodeSpec::name).toList();
        }

        @Override
        public List<String> upstream(String node) {
            return graph.upstream(node);
        }

        NodeState get(String node) {
            return states.get(node);
        }

        /** Applies a transition and stores its changes, as a backend would. */
        Step apply(Transition t) {
            var step = switch (t) {
                case Transition.OfNode n -> Protocol.apply(this, n);
                case Transition.OfRun r -> Protocol.apply(this, r);
            };
            var changed = new java.util.HashSet<String>();
            for (var c : step.changes()) {
                assertThat(states.get(c.node()))
                        .as("the state %s changed from", c.node())
                        .isSameAs(c.before());
                assertThat(changed.add(c.node()))
                        .as("%s changed once", c.node())
                        .isTrue();
                writes.add(c.node());
                states.put(c.node(), c.after());
            }
            return step;
        }

        Step claim(String node, Claim c) {
            return apply(new Transition.ClaimNode(node, c, NOW));
        }

        Step finish(String node, Result r, Claim c) {
            return apply(new Transition.FinishNode(node, r, c, NOW));
        }

        Step orphan(String node) {
            return apply(new Transition.OrphanNode(node, NOW));
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
        assertThat(t.claim(node, c).claimed()).isTrue();
        return c;
    }

    @Test
    void aRepeatedClaimWithTheSameIdHoldsTheNodeWithoutAnyChange() {
        var t = new Table(spec(List.of(node("a"))));
        var c = claim(t, "a");
        t.writes.clear();
        var again = t.claim("a", new Claim(c.id()));
        assertThat(again.claimed()).isTrue();
        assertThat(again.orphanRecovery()).isFalse();
        assertThat(again.changes()).isEmpty();
        assertThat(t.claim("a", new Claim("someone-else")).claimed()).isFalse();
        assertThat(t.writes).isEmpty();
    }

    @Test
    void aClaimRecordsTheClaimAndStartTime() {
        var t = new Table(spec(List.of(node("a"))));
        var c = new Claim("holder", Map.of("agent", List.of("pool-1")));
        var step = t.claim("a", c);
        assertThat(step.claimed()).isTrue();
        assertThat(step.orphanRecovery()).isFalse();
        assertThat(step.events()).isEmpty();
        assertThat(step.node().claim()).isEqualTo(c);
        assertThat(step.node().startedAt()).isEqualTo(NOW);
        assertThat(t.writes).containsExactly("a");
    }

    @Test
    void aFinishWithoutAConclusionCannotBeExpressed() {
        // Requests are checked before any transition is made (ValidatingRepository).
        assertThatThrownBy(() -> new Transition.FinishNode("a", null, new Claim("c"), NOW))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Transition.FinishNode("a", new Result(null, null, null), new Claim("c"), NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFinishByAnotherClaimIsStaleAndChangesNothing() {
        var t = new Table(spec(List.of(node("a"))));
        claim(t, "a");
        t.writes.clear();
        assertThatThrownBy(() -> t.finish("a", Result.success(""), new Claim("other")))
                .isInstanceOf(RepositoryException.StaleClaim.class)
                .hasMessageContaining("other");
        assertThat(t.status("a")).isEqualTo(NodeStatus.RUNNING);
        assertThat(t.writes).isEmpty();
    }

    @Test
    void aSuccessWritesTheNodeAndEachDownstreamNodeOnce() {
        var t = new Table(
                spec(List.of(node("a"), node("b"), node("c"), node("d"), node("x")), "a->b", "a->c", "a->d", "x->d"));
        var c = claim(t, "a");
        t.writes.clear();
        var step = t.finish("a", Result.success("out"), c);
        assertThat(t.writes).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(step.changes().getFirst()).isInstanceOf(Change.Update.class);
        assertThat(step.changes().subList(1, 4))
                .allSatisfy(change -> assertThat(change).isInstanceOfSatisfying(Change.Delivery.class, d -> {
                    assertThat(d.upstream()).isEqualTo("a");
                    assertThat(new String(d.output())).isEqualTo("out");
                    assertThat(d.after().inputs()).containsKey("a");
                }));
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
        t.finish("f1", Result.fail("no"), c1);
        assertThat(t.states).allSatisfy((name, s) -> {
            if (!name.equals("f2")) {
                assertThat(s.status()).as(name).isEqualTo(NodeStatus.COMPLETED);
            }
        });
        t.writes.clear();
        t.finish("f2", Result.fail("no"), c2);
        assertThat(t.writes).containsExactly("f2");
    }

    @Test
    void aSuccessLeavesAnAlreadyUnreachedDownstreamNodeAlone() {
        var t = new Table(spec(List.of(node("ok"), node("bad"), node("sink")), "ok->sink", "bad->sink"));
        var good = claim(t, "ok");
        t.finish("bad", Result.error("boom"), claim(t, "bad"));
        var before = t.get("sink");
        assertThat(before.status()).isEqualTo(NodeStatus.COMPLETED);
        var step = t.finish("ok", Result.success("late"), good);
        assertThat(step.events()).isEmpty();
        assertThat(t.get("sink")).isSameAs(before);
    }

    @Test
    void retryAllowanceCountsAttemptsOfTheSameConclusionIncludingTheFirst() {
        var spec = new NodeSpec("a", "debug", Map.of(), Map.of("fail", RetryRule.maxAttempts(3)));
        var none = NodeState.initial(0);
        var oneFail = running(List.of(Result.fail("")), 0);
        var twoFailsOneError = running(List.of(Result.fail(""), Result.error(""), Result.fail("")), 0);
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
    void retryAllowanceCountsOnlyTheAttemptsSinceTheLastRerun() {
        var spec = new NodeSpec("a", "debug", Map.of(), Map.of("fail", RetryRule.maxAttempts(2)));
        var twoOldFails = running(List.of(Result.fail(""), Result.fail("")), 2);
        assertThat(Protocol.allowsAnotherAttempt(spec, twoOldFails, Conclusion.FAIL))
                .isTrue();
        var oneNewFail = running(List.of(Result.fail(""), Result.fail(""), Result.fail("")), 2);
        assertThat(Protocol.allowsAnotherAttempt(spec, oneNewFail, Conclusion.FAIL))
                .isFalse();
        assertThat(Protocol.allowsAnotherAttempt(spec, NodeState.initial(0), Conclusion.CANCELLED))
                .isFalse();
    }

    /** A RUNNING node with these attempts, the first {@code generation} of them from earlier runs. */
    static NodeState running(List<Result> attempts, int generation) {
        return new NodeState(
                NodeStatus.RUNNING,
                attempts,
                NOW,
                null,
                Map.of(),
                new Claim("c"),
                0,
                false,
                Conclusion.NONE,
                null,
                false,
                generation,
                null);
    }

    @Test
    void aRetryClearsTheClaimAndAnnouncesTheNodeAgain() {
        var t = new Table(
                spec(List.of(new NodeSpec("a", "debug", Map.of(), Map.of("error", RetryRule.maxAttempts(2))))));
        var c = claim(t, "a");
        var step = t.finish("a", Result.error("x"), c);
        assertThat(step.node().status()).isEqualTo(NodeStatus.READY);
        assertThat(step.node().claim()).isNull();
        assertThat(step.node().finishedAt()).isNull();
        assertThat(step.events()).containsExactly(Event.ready("run-1", t.spec("a")));
        assertThat(step.node().notBefore())
                .as("no backoff rule: claimable at once")
                .isNull();
    }

    @Test
    void orphaningLeavesNodesThatAreNotRunningAlone() {
        var t = new Table(spec(List.of(node("a"), node("b")), "a->b"));
        for (var name : List.of("a", "b")) {
            var step = t.orphan(name);
            assertThat(step.events()).isEmpty();
        }
        assertThat(t.writes).isEmpty();
        var c = claim(t, "a");
        var orphaned = t.orphan("a");
        assertThat(orphaned.node().status()).isEqualTo(NodeStatus.NONE);
        assertThat(orphaned.node().claim()).isNull();
        assertThat(orphaned.events()).containsExactly(Event.orphaned("run-1", t.spec("a")));
        assertThat(t.orphan("a").events()).as("orphaning twice emits once").isEmpty();
        var recovery = t.claim("a", new Claim("new"));
        assertThat(recovery.orphanRecovery()).isTrue();
        assertThat(t.claim("a", new Claim("new")).orphanRecovery())
                .as("told again to the same claim")
                .isTrue();
        assertThatThrownBy(() -> t.finish("a", Result.success(""), c))
                .isInstanceOf(RepositoryException.StaleClaim.class)
                .hasMessageContaining(c.id());
    }

    @Test
    void unknownNodesAreNotFound() {
        var t = new Table(spec(List.of(node("a"))));
        assertThatThrownBy(() -> t.claim("zz", new Claim("c")))
                .isInstanceOf(RepositoryException.NotFound.class)
                .hasMessageContaining("zz")
                .hasMessageContaining("run-1");
        assertThatThrownBy(() -> t.finish("zz", Result.success(""), new Claim("c")))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> t.orphan("zz")).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> t.apply(new Transition.PromoteNode("zz", Map.of())))
                .isInstanceOf(RepositoryException.NotFound.class);
    }

    /** A fan-in whose inputs a backend kept apart: the deliveries change nothing it stores, promotion does. */
    @Test
    void aNodeHandedAllItsInputsApartIsPromotedOnceWithThem() {
        var t = new Table(spec(List.of(node("u1"), node("u2"), node("sink")), "u1->sink", "u2->sink"));
        var inputs = new java.util.LinkedHashMap<String, byte[]>();
        inputs.put("u1", "one".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(t.apply(new Transition.PromoteNode("sink", inputs)).changes())
                .as("one input of two: not yet")
                .isEmpty();
        inputs.put("u2", "two".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        var step = t.apply(new Transition.PromoteNode("sink", inputs));
        assertThat(step.node().status()).isEqualTo(NodeStatus.READY);
        assertThat(step.node().inputs()).containsOnlyKeys("u1", "u2");
        assertThat(step.events()).containsExactly(Event.ready("run-1", node("sink")));
        assertThat(t.get("sink").waitingOn()).isZero();
        assertThat(t.apply(new Transition.PromoteNode("sink", inputs)).changes())
                .as("promoted once")
                .isEmpty();
    }

    @Test
    void aNodeLeftUnreachedIsNeverPromoted() {
        var t = new Table(spec(List.of(node("u1"), node("u2"), node("sink")), "u1->sink", "u2->sink"));
        t.finish("u1", Result.fail("no"), claim(t, "u1"));
        var step = t.apply(new Transition.PromoteNode("sink", Map.of("u1", new byte[0], "u2", new byte[0])));
        assertThat(step.changes()).isEmpty();
        assertThat(t.status("sink")).isEqualTo(NodeStatus.COMPLETED);
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
