package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What a run tells about how it went: each attempt's start, finish and agent (stamped by the
 * repository, whatever the agent sent), each node's conclusion, the run's conclusion, and the time
 * a node was left unreached.
 */
public interface AttemptDetailsContract extends ConformanceSupport {
    default Claim claimBy(String runId, String node, String agentId) {
        var claim = Claim.byAgent("claim-" + UUID.randomUUID(), agentId);
        assertThat(repository().claimNode(runId, node, claim).claimed()).isTrue();
        return claim;
    }

    @Test
    default void anAttemptIsStampedWithItsClaimsTimeItsFinishsTimeAndItsAgent() {
        var id = repository().startRun(graph("a->b")).id();
        var claim = claimBy(id, "a", "agent-7");
        var startedAt = inspectNode(id, "a").startedAt();
        clock().advance(Duration.ofMinutes(3));
        // Whatever the agent claims about the attempt, the repository's stamps are recorded.
        var sent = Result.success("ok").stamped(startedAt.minusSeconds(99), startedAt.minusSeconds(98), "liar");
        finish(id, "a", sent, claim);

        var attempt = inspectNode(id, "a").attempts().getFirst();
        assertThat(attempt.agentId()).isEqualTo("agent-7");
        assertThat(attempt.startedAt()).isEqualTo(startedAt);
        assertThat(attempt.finishedAt()).isAfterOrEqualTo(startedAt.plus(Duration.ofMinutes(3)));
        assertThat(inspectNode(id, "a").finishedAt()).isEqualTo(attempt.finishedAt());
        assertThat(attempt.outputText()).isEqualTo("ok");
    }

    @Test
    default void aRecoveredOrphanIsRecordedUnderTheLostClaimsAgentAndStart() {
        var id = repository().startRun(graph(List.of(node("a", 0, 2)))).id();
        var lost = claimBy(id, "a", "dead-agent");
        var lostStart = inspectNode(id, "a").startedAt();
        orphanAndAwait(id, "a", lost);
        var rescuer = Claim.byAgent("claim-" + UUID.randomUUID(), "rescuer");
        assertThat(repository().claimNode(id, "a", rescuer).orphanRecovery()).isTrue();
        finish(id, "a", Result.error(Protocol.ORPHANED_OUTPUT), rescuer);

        var attempt = inspectNode(id, "a").attempts().getFirst();
        assertThat(attempt.agentId()).isEqualTo("dead-agent");
        assertThat(attempt.startedAt()).isEqualTo(lostStart);
        assertThat(attempt.conclusion()).isEqualTo(Conclusion.ERROR);
        finish(id, "a", Result.success(""), claimBy(id, "a", "rescuer"));
        assertThat(inspectNode(id, "a").attempts().getLast().agentId()).isEqualTo("rescuer");
    }

    @Test
    default void nodesAndRunsConcludeAsTheirAttemptsDid() {
        var success = repository().startRun(graph("a->b")).id();
        driveToCompletion(success);
        var done = repository().inspectRun(success);
        assertThat(done.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(done.nodes()).allSatisfy(n -> assertThat(n.conclusion()).isEqualTo(Conclusion.SUCCESS));

        var failed = repository()
                .startRun(graph(List.of(node("f"), node("g"), node("ok")), "f->g"))
                .id();
        assertThat(repository().inspectRun(failed).conclusion()).isEqualTo(Conclusion.NONE);
        finish(failed, "f", Result.fail("no"), claim(failed, "f"));
        assertThat(inspectNode(failed, "f").conclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(repository().inspectRun(failed).conclusion())
                .as("not completed yet")
                .isEqualTo(Conclusion.NONE);
        finish(failed, "ok", Result.success(""), claim(failed, "ok"));
        var run = repository().inspectRun(failed);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.conclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(run.node("g").orElseThrow().conclusion()).as("unreached").isEqualTo(Conclusion.NONE);

        var errored =
                repository().startRun(graph(List.of(node("e"), node("f")))).id();
        finish(errored, "f", Result.fail("no"), claim(errored, "f"));
        finish(errored, "e", Result.error("broke"), claim(errored, "e"));
        assertThat(repository().inspectRun(errored).conclusion())
                .as("ERROR wins over FAIL")
                .isEqualTo(Conclusion.ERROR);
    }

    @Test
    default void anUnreachedNodeStartsAndFinishesWhenItWasMarked() {
        var id = repository().startRun(graph("a->b", "b->c")).id();
        finish(id, "a", Result.fail("no"), claim(id, "a"));
        var a = inspectNode(id, "a");
        for (var name : List.of("b", "c")) {
            var n = inspectNode(id, name);
            assertThat(n.attempts()).isEmpty();
            assertThat(n.startedAt()).as(name).isNotNull().isEqualTo(n.finishedAt());
            assertThat(n.finishedAt()).as(name).isEqualTo(a.finishedAt());
        }
    }

    @Test
    default void cancelledIsRefusedForANodeWhoseRunWasNotCancelled() {
        var id = repository().startRun(graph("a->b")).id();
        var claim = claim(id, "a");
        assertThatThrownBy(() -> finish(id, "a", Result.cancelled("stopped"), claim))
                .isInstanceOf(RepositoryException.InvalidRequest.class)
                .hasMessageContaining("\"a\"");
        var a = inspectNode(id, "a");
        assertThat(a.attempts()).isEmpty();
        assertThat(a.claim().id()).isEqualTo(claim.id());
        finish(id, "a", Result.success(""), claim);
    }
}
