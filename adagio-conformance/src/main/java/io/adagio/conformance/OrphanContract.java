package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.RepositoryException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Orphaning: a claim whose holder lost its liveness, and the recovery of its node. */
public interface OrphanContract extends ConformanceSupport {
    @Test
    default void anOrphanedClaimReadsNoneAndIsAnnounced() {
        var inbox = subscribe("agent-1", ALL_EVENTS);
        var id = repository().startRun(graph("a->b")).id();
        var holder = claim(id, "a");
        orphanAndAwait(id, "a", holder);

        inbox.awaitOrphaned(id, "a");
        var a = inspectNode(id, "a");
        assertThat(a.claim()).isNull();
        assertThat(a.attempts()).isEmpty();
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.WAITING);
        eventually(
                () -> assertThat(repository().stats().nodeCounts().orphaned()).isEqualTo(1));
        assertThat(repository().stats().nodeCounts().running()).isZero();
    }

    @Test
    default void anOrphanedNodeIsRecoveredAsErrorAndRetriedByRule() {
        var inbox = subscribe("agent-1", ALL_EVENTS);
        var id = repository()
                .startRun(graph(List.of(node("a", 0, 2), node("b")), "a->b"))
                .id();
        inbox.awaitNewReady(id, "a");
        var lost = claim(id, "a");
        orphanAndAwait(id, "a", lost);
        inbox.awaitOrphaned(id, "a");

        var recovery = repository().claimNode(id, "a", newClaim());
        assertThat(recovery.claimed()).isTrue();
        assertThat(recovery.orphanRecovery())
                .as("the winner must record the lost attempt, not run it")
                .isTrue();
        assertThat(recovery.node().status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(repository().claimNode(id, "a", newClaim()).claimed()).isFalse();
        finish(id, "a", Result.error(Protocol.ORPHANED_OUTPUT), recovery.node().claim());

        assertThat(inspectNode(id, "a").status())
                .as("error may be retried once more")
                .isEqualTo(NodeStatus.READY);
        inbox.awaitNewReady(id, "a");
        var retry = repository().claimNode(id, "a", newClaim());
        assertThat(retry.claimed()).isTrue();
        assertThat(retry.orphanRecovery()).isFalse();
        finish(id, "a", Result.success("done"), retry.node().claim());

        assertThat(inspectNode(id, "a").attempts())
                .extracting(Result::outputText)
                .containsExactly(Protocol.ORPHANED_OUTPUT, "done");
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.READY);
        assertInputs(id, "b", Map.of("a", "done"));
    }

    @Test
    default void anOrphanedNodeWithoutErrorRetryCompletesAndItsDownstreamIsUnreached() {
        var id = repository().startRun(graph("a->b", "b->c")).id();
        var lost = claim(id, "a");
        orphanAndAwait(id, "a", lost);
        var recovery = repository().claimNode(id, "a", newClaim());
        assertThat(recovery.orphanRecovery()).isTrue();
        finish(id, "a", Result.error(Protocol.ORPHANED_OUTPUT), recovery.node().claim());

        var run = repository().inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.node("a").orElseThrow().attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.ERROR);
        assertThat(run.node("b").orElseThrow().attempts()).isEmpty();
        assertThat(run.node("c").orElseThrow().status()).isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    default void theOldClaimCannotFinishAnOrphanedNode() {
        var id = repository().startRun(graph("a->b")).id();
        var lost = claim(id, "a");
        orphanAndAwait(id, "a", lost);

        assertThatThrownBy(() -> repository().finishNode(id, "a", Result.success("too late"), lost))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        assertThat(inspectNode(id, "a").status()).isEqualTo(NodeStatus.NONE);

        var recovery = repository().claimNode(id, "a", newClaim());
        assertThat(recovery.claimed()).isTrue();
        assertThatThrownBy(() -> repository().finishNode(id, "a", Result.success("too late"), lost))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        var a = inspectNode(id, "a");
        assertThat(a.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(a.claim().id()).isEqualTo(recovery.node().claim().id());
        assertThat(a.attempts()).isEmpty();
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.WAITING);
    }

    @Test
    default void aLateSubscriberHearsOfOrphansOnlyIfItAsks() {
        var id = repository().startRun(graph(List.of(node("a"), node("b")))).id();
        var lost = claim(id, "a");
        orphanAndAwait(id, "a", lost);

        var readyOnly = subscribe("agent-ready", READY_EVENTS);
        var both = subscribe("agent-both", ALL_EVENTS);
        both.awaitOrphaned(id, "a");
        both.awaitReady(id, "b");
        readyOnly.awaitReady(id, "b");
        // A later event as a marker: everything readyOnly was sent before it has arrived by then.
        var marker = repository().startRun(graph(List.of(node("m")))).id();
        readyOnly.awaitReady(marker, "m");
        assertThat(readyOnly.received()).extracting(Event::type).containsOnly(Event.Type.NODE_READY);
    }

    /** A repeated claim of a recovery is told again that it recovers: the lost attempt is never run. */
    @Test
    default void aRepeatedRecoveryClaimIsToldAgainThatItRecovers() {
        var id = repository().startRun(graph("a->b")).id();
        var lost = claim(id, "a");
        orphanAndAwait(id, "a", lost);
        var recovery = newClaim();
        var first = repository().claimNode(id, "a", recovery);
        assertThat(first.claimed()).isTrue();
        assertThat(first.orphanRecovery()).isTrue();

        var again = repository().claimNode(id, "a", recovery);
        assertThat(again.claimed()).isTrue();
        assertThat(again.orphanRecovery()).isTrue();
        assertThat(again.node()).isEqualTo(first.node());
        assertThat(repository().claimNode(id, "a", lost).claimed())
                .as("the lost claim does not hold the node again")
                .isFalse();
    }
}
