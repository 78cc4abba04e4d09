package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryRule;
import io.adagio.core.protocol.Protocol;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Retry backoff: a retried node is READY with a not-before time the repository stores and
 * announces; no claim wins before it, any claim from then on may. The suite's clock is moved on
 * instead of waiting.
 */
public interface BackoffContract extends ConformanceSupport {
    RetryRule.Backoff TEN_MINUTES_DOUBLING = new RetryRule.Backoff(Duration.ofMinutes(10), Duration.ofMinutes(25), 2);

    @Test
    default void aRetryIsNotClaimableBeforeItsBackoffHasPassed() {
        var inbox = subscribe("agent-1", READY_EVENTS);
        var id = repository()
                .startRun(graph(List.of(node("x", 4, 0, TEN_MINUTES_DOUBLING), node("y")), "x->y"))
                .id();
        finish(id, "x", Result.fail("1"), claim(id, "x"));

        var x = inspectNode(id, "x");
        var finished = x.attempts().getFirst().finishedAt();
        assertThat(x.status()).isEqualTo(NodeStatus.READY);
        assertThat(x.notBefore()).isEqualTo(finished.plus(Duration.ofMinutes(10)));
        eventually(() -> assertThat(inbox.events(Event.Type.NODE_READY, id, "x"))
                .extracting(Event::notBefore)
                .contains(x.notBefore()));

        var early = repository().claimNode(id, "x", newClaim());
        assertThat(early.claimed()).isFalse();
        assertThat(early.node().status()).isEqualTo(NodeStatus.READY);
        assertThat(early.node().notBefore()).isEqualTo(x.notBefore());
        assertThat(inspectNode(id, "x").claim()).isNull();

        clock().advance(Duration.ofMinutes(10));
        var second = claim(id, "x");
        assertThat(inspectNode(id, "x").notBefore()).isNull();
        finish(id, "x", Result.fail("2"), second);

        // The second wait doubles: 20 minutes from the second attempt's finish.
        var after2 = inspectNode(id, "x");
        assertThat(after2.notBefore())
                .isEqualTo(after2.attempts().getLast().finishedAt().plus(Duration.ofMinutes(20)));
        clock().advance(Duration.ofMinutes(19));
        assertThat(repository().claimNode(id, "x", newClaim()).claimed()).isFalse();
        clock().advance(Duration.ofMinutes(1));
        finish(id, "x", Result.fail("3"), claim(id, "x"));

        // The third would be 40 minutes: capped at the maximum of 25.
        var after3 = inspectNode(id, "x");
        assertThat(after3.notBefore())
                .isEqualTo(after3.attempts().getLast().finishedAt().plus(Duration.ofMinutes(25)));
        clock().advance(Duration.ofMinutes(25));
        finish(id, "x", Result.success("at last"), claim(id, "x"));
        assertThat(inspectNode(id, "y").status()).isEqualTo(NodeStatus.READY);
        assertInputs(id, "y", java.util.Map.of("x", "at last"));
    }

    @Test
    default void aNewSubscriberLearnsWhenAWaitingRetryIsDue() {
        var id = repository()
                .startRun(graph(List.of(node("x", 2, 0, TEN_MINUTES_DOUBLING))))
                .id();
        finish(id, "x", Result.fail("1"), claim(id, "x"));
        var notBefore = inspectNode(id, "x").notBefore();
        assertThat(notBefore).isNotNull();

        var late = subscribe("agent-late", READY_EVENTS);
        late.awaitReady(id, "x");
        assertThat(late.events(Event.Type.NODE_READY, id, "x"))
                .extracting(Event::notBefore)
                .filteredOn(Objects::nonNull)
                .containsOnly(notBefore);
    }

    @Test
    default void anOrphanRecoveredAsErrorWaitsOutTheErrorRulesBackoff() {
        var id = repository()
                .startRun(graph(List.of(node("x", 0, 3, RetryRule.Backoff.of(Duration.ofHours(1))))))
                .id();
        var lost = claim(id, "x");
        orphanAndAwait(id, "x", lost);
        var recovery = repository().claimNode(id, "x", newClaim());
        assertThat(recovery.orphanRecovery()).isTrue();
        finish(id, "x", Result.error(Protocol.ORPHANED_OUTPUT), recovery.node().claim());

        var x = inspectNode(id, "x");
        assertThat(x.notBefore()).isEqualTo(x.attempts().getFirst().finishedAt().plus(Duration.ofHours(1)));
        assertThat(repository().claimNode(id, "x", newClaim()).claimed()).isFalse();
        clock().advance(Duration.ofHours(1));
        finish(id, "x", Result.success(""), claim(id, "x"));
        assertThat(inspectNode(id, "x").status()).isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    default void aRetryWithoutBackoffIsClaimableAtOnce() {
        var id = repository().startRun(graph(List.of(node("x", 2, 0)))).id();
        finish(id, "x", Result.fail("1"), claim(id, "x"));
        assertThat(inspectNode(id, "x").notBefore()).isNull();
        claim(id, "x");
    }
}
