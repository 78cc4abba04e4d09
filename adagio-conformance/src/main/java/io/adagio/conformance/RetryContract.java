package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static io.adagio.conformance.Graphs.sevenNodeDag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RepositoryException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FAIL and ERROR: retry rules, and the nodes a final failure leaves unreached. */
public interface RetryContract extends ConformanceSupport {
    @Test
    default void failWithoutRetryRuleCompletesTheNodeAndLeavesDownstreamUnreached() {
        var id = repository()
                .startRun(graph(List.of(node("x"), node("y"), node("z"), node("w")), "x->y", "y->z"))
                .id();
        finish(id, "x", Result.fail("broken"), claim(id, "x"));

        var x = inspectNode(id, "x");
        assertThat(x.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(x.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.FAIL);
        assertThat(x.finishedAt()).isNotNull();
        for (var unreached : List.of("y", "z")) {
            var n = inspectNode(id, unreached);
            assertThat(n.status()).as(unreached).isEqualTo(NodeStatus.COMPLETED);
            assertThat(n.attempts()).as(unreached).isEmpty();
            assertThat(repository().claimNode(id, unreached, newClaim()).claimed())
                    .isFalse();
        }
        assertThat(inspectNode(id, "w").status()).isEqualTo(NodeStatus.READY);
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);
        finish(id, "w", Result.success(""), claim(id, "w"));
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    default void errorWithoutItsOwnRetryRuleIsFinalEvenIfFailMayRetry() {
        var id = repository()
                .startRun(graph(List.of(node("x", 3, 0), node("y")), "x->y"))
                .id();
        finish(id, "x", Result.error("runtime broke"), claim(id, "x"));

        var x = inspectNode(id, "x");
        assertThat(x.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(x.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.ERROR);
        assertThat(inspectNode(id, "y").status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(inspectNode(id, "y").attempts()).isEmpty();
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    default void failIsRetriedUntilMaxAttemptsCountingTheFirst() {
        var inbox = subscribe("agent-1", READY_EVENTS);
        var id = repository()
                .startRun(graph(List.of(node("x", 3, 0), node("y")), "x->y"))
                .id();
        inbox.awaitNewReady(id, "x");

        var first = claim(id, "x");
        finish(id, "x", Result.fail("1"), first);
        assertThat(inspectNode(id, "x").status()).isEqualTo(NodeStatus.READY);
        inbox.awaitNewReady(id, "x");
        assertThatThrownBy(() -> repository().finishNode(id, "x", Result.success(""), first))
                .isInstanceOf(RepositoryException.StaleClaim.class);

        finish(id, "x", Result.fail("2"), claim(id, "x"));
        assertThat(inspectNode(id, "x").status()).isEqualTo(NodeStatus.READY);
        inbox.awaitNewReady(id, "x");

        finish(id, "x", Result.fail("3"), claim(id, "x"));
        var x = inspectNode(id, "x");
        assertThat(x.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(x.attempts()).extracting(Result::outputText).containsExactly("1", "2", "3");
        assertThat(x.attempts()).extracting(Result::conclusion).containsOnly(Conclusion.FAIL);
        assertThat(inspectNode(id, "y").status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(inspectNode(id, "y").attempts()).isEmpty();
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    default void aRetriedNodeThatSucceedsFeedsItsDownstream() {
        var id = repository()
                .startRun(graph(List.of(node("x", 0, 2), node("y")), "x->y"))
                .id();
        finish(id, "x", Result.error("flaky"), claim(id, "x"));
        assertThat(inspectNode(id, "y").status()).isEqualTo(NodeStatus.WAITING);
        finish(id, "x", Result.success("second time lucky"), claim(id, "x"));

        assertThat(inspectNode(id, "x").attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.ERROR, Conclusion.SUCCESS);
        assertThat(inspectNode(id, "y").status()).isEqualTo(NodeStatus.READY);
        assertInputs(id, "y", Map.of("x", "second time lucky"));
    }

    @Test
    default void maxAttemptsCountsEachConditionSeparately() {
        var id = repository().startRun(graph(List.of(node("x", 2, 2)))).id();
        finish(id, "x", Result.fail("f1"), claim(id, "x"));
        finish(id, "x", Result.error("e1"), claim(id, "x"));
        assertThat(inspectNode(id, "x").status())
                .as("one FAIL and one ERROR left both rules room")
                .isEqualTo(NodeStatus.READY);
        finish(id, "x", Result.fail("f2"), claim(id, "x"));

        var x = inspectNode(id, "x");
        assertThat(x.status())
                .as("the second FAIL exhausts fail's two attempts")
                .isEqualTo(NodeStatus.COMPLETED);
        assertThat(x.attempts()).extracting(Result::outputText).containsExactly("f1", "e1", "f2");
    }

    @Test
    default void aFailureInTheDiamondLeavesOnlyItsDescendantsUnreached() {
        var id = repository().startRun(sevenNodeDag()).id();
        finish(id, "a", Result.success("a"), claim(id, "a"));
        finish(id, "b", Result.success("b"), claim(id, "b"));
        finish(id, "d", Result.fail("d failed"), claim(id, "d"));

        for (var unreached : List.of("e", "g")) {
            assertThat(inspectNode(id, unreached).status()).as(unreached).isEqualTo(NodeStatus.COMPLETED);
            assertThat(inspectNode(id, unreached).attempts()).as(unreached).isEmpty();
        }
        // c and f do not depend on d: they still run, and their success does not revive e or g.
        assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);
        finish(id, "c", Result.success("c"), claim(id, "c"));
        finish(id, "f", Result.success("f"), claim(id, "f"));
        var run = repository().inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.node("e").orElseThrow().attempts()).isEmpty();
        assertThat(run.node("g").orElseThrow().attempts()).isEmpty();
        assertThat(run.node("g").orElseThrow().status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(repository().claimNode(id, "e", newClaim()).claimed()).isFalse();
    }
}
