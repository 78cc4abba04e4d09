package io.adagio.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunSummaryTest {
    static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");

    static Node node(String name, NodeStatus status, long finishedMs, Result... attempts) {
        return new Node(
                new NodeSpec(name, "debug"),
                status,
                List.of(attempts),
                null,
                finishedMs < 0 ? null : T0.plusMillis(finishedMs),
                Map.of(),
                null);
    }

    static Run run(RunStatus status, Node... nodes) {
        return new Run("R", T0, List.of(nodes), List.of(), status);
    }

    @Test
    void aRunOfSuccessesSucceedsAndLastsUntilItsLastNode() {
        var s = RunSummary.of(run(
                RunStatus.COMPLETED,
                node("a", NodeStatus.COMPLETED, 100, Result.success("")),
                node("b", NodeStatus.COMPLETED, 250, Result.fail(""), Result.success(""))));

        assertThat(s.outcome()).isEqualTo(RunSummary.Outcome.SUCCEEDED);
        assertThat(s.succeeded()).isTrue();
        assertThat(s.done()).isEqualTo(2);
        assertThat(s.duration(T0.plusSeconds(60))).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void aFailureShowsWhileTheRunGoesOnAndDecidesItsEnd() {
        var failing = RunSummary.of(run(
                RunStatus.RUNNING,
                node("a", NodeStatus.COMPLETED, 100, Result.error("boom")),
                node("b", NodeStatus.RUNNING, -1)));
        assertThat(failing.outcome()).isEqualTo(RunSummary.Outcome.FAILING);
        assertThat(failing.running()).isEqualTo(1);
        assertThat(failing.duration(T0.plusSeconds(3))).isEqualTo(Duration.ofSeconds(3));

        var failed = RunSummary.of(run(
                RunStatus.COMPLETED,
                node("a", NodeStatus.COMPLETED, 100, Result.error("boom")),
                node("b", NodeStatus.COMPLETED, 100)));
        assertThat(failed.outcome()).isEqualTo(RunSummary.Outcome.FAILED);
        assertThat(failed.failed()).extracting(Node::name).containsExactly("a");
        assertThat(failed.unreached()).extracting(Node::name).containsExactly("b");
    }

    @Test
    void nothingDoneYetIsPending() {
        var s = RunSummary.of(run(RunStatus.WAITING, node("a", NodeStatus.READY, -1)));
        assertThat(s.outcome()).isEqualTo(RunSummary.Outcome.PENDING);
        assertThat(s.completed()).isFalse();
    }
}
