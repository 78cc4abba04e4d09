package io.adagio.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryRule;
import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Backoff, attempt stamps, conclusions, cancel and rerun: the protocol on its own. */
class RunControlTest {
    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    private static GraphSpec spec(List<NodeSpec> nodes, String... edges) {
        return new GraphSpec(
                nodes,
                Arrays.stream(edges)
                        .map(e -> new Edge(e.split("->")[0], e.split("->")[1]))
                        .toList());
    }

    private static NodeSpec node(String name) {
        return new NodeSpec(name, "debug");
    }

    private static NodeSpec withRule(String name, String condition, RetryRule rule) {
        return new NodeSpec(name, "debug", Map.of(), Map.of(condition, rule));
    }

    private static Step claimAt(ProtocolTest.Table t, String node, Claim c, Instant at) {
        return t.apply(new Transition.ClaimNode(node, c, at));
    }

    private static Step finishAt(ProtocolTest.Table t, String node, Result r, Claim c, Instant at) {
        return t.apply(new Transition.FinishNode(node, r, c, at));
    }

    private static Claim won(ProtocolTest.Table t, String node, String agent, Instant at) {
        var c = Claim.byAgent(node + "-" + at.toEpochMilli() + "-" + t.writes.size(), agent);
        assertThat(claimAt(t, node, c, at).claimed()).as("claim of %s", node).isTrue();
        return c;
    }

    @Test
    void attemptsAreStampedWithTheClaimsTimeTheFinishsTimeAndTheClaimer() {
        var t = new ProtocolTest.Table(spec(List.of(node("a"))));
        var c = won(t, "a", "agent-7", T0);
        var done = finishAt(t, "a", Result.success("ok"), c, T0.plusSeconds(3)).node();
        var attempt = done.attempts().getFirst();
        assertThat(attempt.startedAt()).isEqualTo(T0);
        assertThat(attempt.finishedAt()).isEqualTo(T0.plusSeconds(3));
        assertThat(attempt.agentId()).isEqualTo("agent-7");
        assertThat(done.conclusion()).isEqualTo(Conclusion.SUCCESS);
    }

    @Test
    void anOrphanRecoveryRecordsTheLostAttemptsStartAndAgent() {
        var t = new ProtocolTest.Table(spec(List.of(withRule("a", "error", RetryRule.maxAttempts(2)))));
        won(t, "a", "dead-agent", T0);
        t.apply(new Transition.OrphanNode("a", T0.plusSeconds(10)));
        var recovery = won(t, "a", "rescuer", T0.plusSeconds(11));
        var after = finishAt(t, "a", Result.error(Protocol.ORPHANED_OUTPUT), recovery, T0.plusSeconds(12))
                .node();
        var lost = after.attempts().getFirst();
        assertThat(lost.agentId()).isEqualTo("dead-agent");
        assertThat(lost.startedAt()).isEqualTo(T0);
        assertThat(lost.finishedAt()).isEqualTo(T0.plusSeconds(12));
        var retry = won(t, "a", "rescuer", T0.plusSeconds(13));
        var done =
                finishAt(t, "a", Result.success(""), retry, T0.plusSeconds(14)).node();
        assertThat(done.attempts().getLast().agentId()).isEqualTo("rescuer");
        assertThat(done.attempts().getLast().startedAt()).isEqualTo(T0.plusSeconds(13));
    }

    @Test
    void aRetryWithBackoffIsNotClaimableBeforeItsNotBeforeTime() {
        var backoff = new RetryRule.Backoff(Duration.ofSeconds(10), Duration.ofSeconds(25), 2);
        var t = new ProtocolTest.Table(spec(List.of(withRule("a", "fail", new RetryRule(4, backoff)))));
        var first = won(t, "a", "x", T0);
        var retried = finishAt(t, "a", Result.fail("1"), first, T0.plusSeconds(1));
        var due = T0.plusSeconds(11);
        assertThat(retried.node().status()).isEqualTo(NodeStatus.READY);
        assertThat(retried.node().notBefore()).isEqualTo(due);
        assertThat(retried.events()).containsExactly(Event.ready("run-1", t.spec("a"), due));

        var early = claimAt(t, "a", new Claim("early"), due.minusNanos(1));
        assertThat(early.claimed()).isFalse();
        assertThat(early.changes()).isEmpty();
        assertThat(early.node().notBefore()).isEqualTo(due);

        var second = won(t, "a", "x", due);
        assertThat(t.get("a").notBefore()).isNull();
        // The second wait doubles; the third is capped at the maximum.
        var after2 =
                finishAt(t, "a", Result.fail("2"), second, due.plusSeconds(1)).node();
        assertThat(after2.notBefore()).isEqualTo(due.plusSeconds(21));
        var third = won(t, "a", "x", due.plusSeconds(21));
        var after3 =
                finishAt(t, "a", Result.fail("3"), third, due.plusSeconds(30)).node();
        assertThat(after3.notBefore()).isEqualTo(due.plusSeconds(55));
    }

    @Test
    void backoffDelaysGrowByTheMultiplierUpToTheCap() {
        var b = RetryRule.Backoff.of(Duration.ofMillis(500));
        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(b.delay(2)).as("multiplier 0 means 2").isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delay(3)).isEqualTo(Duration.ofSeconds(2));
        assertThat(b.delay(1000)).isEqualTo(RetryRule.Backoff.CAP);
        assertThat(new RetryRule.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(3), 1).delay(50))
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aFinalFailureLeavesItsDownstreamUnreachedMarkedAtOneTime() {
        var t = new ProtocolTest.Table(spec(List.of(node("a"), node("b"), node("c")), "a->b", "b->c"));
        var c = won(t, "a", "x", T0);
        var a = finishAt(t, "a", Result.fail("no"), c, T0.plusSeconds(5)).node();
        assertThat(a.conclusion()).isEqualTo(Conclusion.FAIL);
        for (var name : List.of("b", "c")) {
            var n = t.get(name).toNode(t.spec(name));
            assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(n.conclusion()).isEqualTo(Conclusion.NONE);
            assertThat(n.startedAt()).isEqualTo(T0.plusSeconds(5));
            assertThat(n.finishedAt()).isEqualTo(T0.plusSeconds(5));
            assertThat(n.attempts()).isEmpty();
        }
    }

    /** r RUNNING, w WAITING below it, y READY, o orphaned, done COMPLETED. */
    private static ProtocolTest.Table everyState() {
        var t = new ProtocolTest.Table(spec(List.of(node("r"), node("w"), node("y"), node("o"), node("done")), "r->w"));
        finishAt(t, "done", Result.success("d"), won(t, "done", "x", T0), T0);
        won(t, "o", "dead", T0);
        t.apply(new Transition.OrphanNode("o", T0.plusSeconds(1)));
        won(t, "r", "runner", T0);
        return t;
    }

    @Test
    void cancelCompletesWhatDoesNotRunAndMarksWhatRuns() {
        var t = everyState();
        var r = t.get("r").claim();
        var cancelledAt = T0.plusSeconds(2);
        t.writes.clear();
        var step = t.apply(new Transition.CancelRun(cancelledAt));

        assertThat(step.cancelMark()).isEqualTo(Step.CancelMark.SET);
        assertThat(step.events()).containsExactly(Event.cancelled("run-1", t.spec("r"), r.id()));
        for (var name : List.of("w", "y")) {
            var n = t.get(name).toNode(t.spec(name));
            assertThat(n.status()).as(name).isEqualTo(NodeStatus.COMPLETED);
            assertThat(n.conclusion()).as(name).isEqualTo(Conclusion.CANCELLED);
            assertThat(n.attempts()).as(name).isEmpty();
            assertThat(n.startedAt()).isEqualTo(cancelledAt);
            assertThat(n.finishedAt()).isEqualTo(cancelledAt);
        }
        var o = t.get("o").toNode(t.spec("o"));
        assertThat(o.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(o.conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(o.attempts()).singleElement().satisfies(lost -> {
            assertThat(lost.conclusion()).isEqualTo(Conclusion.CANCELLED);
            assertThat(lost.agentId()).isEqualTo("dead");
            assertThat(lost.startedAt()).isEqualTo(T0);
        });
        assertThat(t.get("r").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(t.get("r").cancelRequested()).isTrue();
        assertThat(t.get("done").conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(t.writes).containsExactlyInAnyOrder("r", "w", "y", "o");

        for (var name : List.of("r", "w", "y", "o", "done")) {
            assertThat(t.claim(name, new Claim("late")).claimed()).as(name).isFalse();
        }
        t.writes.clear();
        var again = t.apply(new Transition.CancelRun(cancelledAt.plusSeconds(1)));
        assertThat(again.changes()).isEmpty();
        assertThat(again.events()).isEmpty();
    }

    @Test
    void aCancelledNodesFinishCompletesItWithoutRetryOrReadiness() {
        var t = new ProtocolTest.Table(
                spec(List.of(withRule("r", "error", RetryRule.maxAttempts(5)), node("w")), "r->w"));
        var c = won(t, "r", "runner", T0);
        t.apply(new Transition.CancelRun(T0.plusSeconds(1)));
        var interrupted = finishAt(t, "r", Result.cancelled("stopped"), c, T0.plusSeconds(2));
        assertThat(interrupted.node().status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(interrupted.node().conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(interrupted.node().cancelRequested()).isFalse();
        assertThat(interrupted.events()).isEmpty();
        assertThat(interrupted.changes()).extracting(Change::node).containsExactly("r");

        var t2 = new ProtocolTest.Table(
                spec(List.of(withRule("r", "error", RetryRule.maxAttempts(5)), node("w")), "r->w"));
        var c2 = won(t2, "r", "runner", T0);
        t2.apply(new Transition.CancelRun(T0.plusSeconds(1)));
        var errored = finishAt(t2, "r", Result.error("broke"), c2, T0.plusSeconds(2));
        assertThat(errored.node().status()).as("no retry once cancelled").isEqualTo(NodeStatus.COMPLETED);
        assertThat(errored.node().conclusion()).isEqualTo(Conclusion.ERROR);
    }

    @Test
    void cancelledIsRefusedForANodeWhoseRunWasNotCancelled() {
        var t = new ProtocolTest.Table(spec(List.of(node("a"))));
        var c = won(t, "a", "x", T0);
        t.writes.clear();
        assertThatThrownBy(() -> finishAt(t, "a", Result.cancelled("?"), c, T0))
                .isInstanceOf(RepositoryException.InvalidRequest.class)
                .hasMessageContaining("not being cancelled");
        assertThat(t.writes).isEmpty();
        assertThat(t.get("a").status()).isEqualTo(NodeStatus.RUNNING);
    }

    @Test
    void anOrphanedNodeOfACancelledRunCompletesCancelledInsteadOfAwaitingRecovery() {
        var t = new ProtocolTest.Table(spec(List.of(withRule("r", "error", RetryRule.maxAttempts(3)))));
        won(t, "r", "runner", T0);
        t.apply(new Transition.CancelRun(T0.plusSeconds(1)));
        var step = t.apply(new Transition.OrphanNode("r", T0.plusSeconds(4)));
        assertThat(step.events()).isEmpty();
        var r = step.node();
        assertThat(r.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(r.conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(r.attempts()).singleElement().satisfies(a -> {
            assertThat(a.conclusion()).isEqualTo(Conclusion.CANCELLED);
            assertThat(a.agentId()).isEqualTo("runner");
            assertThat(a.startedAt()).isEqualTo(T0);
            assertThat(a.finishedAt()).isEqualTo(T0.plusSeconds(4));
        });
    }

    @Test
    void cancellingACompletedRunChangesNothing() {
        var t = new ProtocolTest.Table(spec(List.of(node("a"))));
        finishAt(t, "a", Result.fail("x"), won(t, "a", "x", T0), T0);
        t.writes.clear();
        var step = t.apply(new Transition.CancelRun(T0.plusSeconds(1)));
        assertThat(step.changes()).isEmpty();
        assertThat(step.cancelMark()).isEqualTo(Step.CancelMark.UNCHANGED);
    }

    @Test
    void onlyACompletedRunCanBeRerun() {
        var t = new ProtocolTest.Table(spec(List.of(node("a"), node("b"))));
        won(t, "a", "x", T0);
        assertThatThrownBy(() -> t.apply(new Transition.RerunRun(T0)))
                .isInstanceOf(RepositoryException.FailedPrecondition.class)
                .hasMessageContaining("run-1")
                .hasMessageContaining("RUNNING");
        var fresh = new ProtocolTest.Table(spec(List.of(node("a"))));
        assertThatThrownBy(() -> fresh.apply(new Transition.RerunRun(T0)))
                .isInstanceOf(RepositoryException.FailedPrecondition.class)
                .hasMessageContaining("WAITING");
    }

    @Test
    void aRerunResetsWhatDidNotSucceedAndKeepsWhatDid() {
        // a -> b -> c, a -> d: b fails for good (c unreached), d succeeds.
        var t = new ProtocolTest.Table(spec(
                List.of(node("a"), withRule("b", "fail", RetryRule.maxAttempts(2)), node("c"), node("d")),
                "a->b",
                "b->c",
                "a->d"));
        finishAt(t, "a", Result.success("out-a"), won(t, "a", "x", T0), T0);
        finishAt(t, "d", Result.success("out-d"), won(t, "d", "x", T0), T0);
        finishAt(t, "b", Result.fail("1"), won(t, "b", "x", T0), T0);
        finishAt(t, "b", Result.fail("2"), won(t, "b", "x", T0), T0);
        assertThat(t.get("c").status()).isEqualTo(NodeStatus.COMPLETED);
        var a = t.get("a");
        var d = t.get("d");
        t.writes.clear();

        var step = t.apply(new Transition.RerunRun(T0.plusSeconds(60)));
        assertThat(step.cancelMark()).isEqualTo(Step.CancelMark.CLEARED);
        assertThat(t.writes).containsExactlyInAnyOrder("b", "c");
        assertThat(t.get("a")).isSameAs(a);
        assertThat(t.get("d")).isSameAs(d);
        assertThat(step.events()).containsExactly(Event.ready("run-1", t.spec("b")));
        var b = t.get("b").toNode(t.spec("b"));
        assertThat(b.status()).isEqualTo(NodeStatus.READY);
        assertThat(b.conclusion()).isEqualTo(Conclusion.NONE);
        assertThat(b.attempts()).extracting(Result::outputText).containsExactly("1", "2");
        assertThat(b.startedAt()).isNull();
        assertThat(b.finishedAt()).isNull();
        assertThat(b.claim()).isNull();
        assertThat(new String(b.inputs().get("a"))).isEqualTo("out-a");
        assertThat(t.get("c").status()).isEqualTo(NodeStatus.WAITING);
        assertThat(t.get("c").waitingOn()).isEqualTo(1);

        // The retry rule counts afresh: one failure of the new run may be retried again.
        var retried = finishAt(t, "b", Result.fail("3"), won(t, "b", "x", T0), T0);
        assertThat(retried.node().status()).isEqualTo(NodeStatus.READY);
        finishAt(t, "b", Result.success("out-b"), won(t, "b", "x", T0), T0);
        assertThat(t.get("c").status()).isEqualTo(NodeStatus.READY);
        assertThat(new String(t.get("c").inputs().get("b"))).isEqualTo("out-b");
    }

    @Test
    void aRerunOfACancelledRunClearsTheMarkAndResetsTheCancelledNodes() {
        var t = new ProtocolTest.Table(spec(List.of(node("a"), node("b"), node("c")), "a->b", "b->c"));
        var c = won(t, "a", "x", T0);
        t.apply(new Transition.CancelRun(T0));
        finishAt(t, "a", Result.success("out-a"), c, T0);
        var step = t.apply(new Transition.RerunRun(T0));
        assertThat(step.cancelMark()).isEqualTo(Step.CancelMark.CLEARED);
        assertThat(t.get("a").conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(t.get("b").status()).isEqualTo(NodeStatus.READY);
        assertThat(new String(t.get("b").inputs().get("a"))).isEqualTo("out-a");
        assertThat(t.get("c").status()).isEqualTo(NodeStatus.WAITING);
    }
}
