package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Claims and finishes: who wins, who may finish, and what a claim or finish of something unknown gets. */
public interface ClaimContract extends ConformanceSupport {
    @Test
    default void claimOfRunningOrCompletedNodeIsRefusedWithoutError() {
        var id = repository().startRun(graph("a->b")).id();
        var winner = newClaim();
        assertThat(repository().claimNode(id, "a", winner).claimed()).isTrue();

        var late = repository().claimNode(id, "a", newClaim());
        assertThat(late.claimed()).isFalse();
        assertThat(late.orphanRecovery()).isFalse();
        assertThat(late.node().status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(late.node().claim().id()).isEqualTo(winner.id());

        finish(id, "a", Result.success("x"), winner);
        var afterCompletion = repository().claimNode(id, "a", newClaim());
        assertThat(afterCompletion.claimed()).isFalse();
        assertThat(afterCompletion.node().status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(inspectNode(id, "a").attempts()).hasSize(1);
    }

    @Test
    default void unknownRunsAndNodesAreNotFound() {
        var id = repository().startRun(graph("a->b")).id();
        String unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

        assertThatThrownBy(() -> repository().inspectRun(unknown))
                .isInstanceOf(RepositoryException.NotFound.class)
                .hasMessageContaining(unknown);
        assertThatThrownBy(() -> repository().claimNode(unknown, "a", newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> repository().finishNode(unknown, "a", Result.success(""), newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> repository().claimNode(id, "nope", newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> repository().finishNode(id, "nope", Result.success(""), newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThat(repository().listRuns(RunQuery.ALL)).extracting(Run::id).containsExactly(id);
    }

    @Test
    default void onlyTheCurrentClaimMayFinishANode() {
        var id = repository().startRun(graph("a->b")).id();
        // Never claimed.
        assertThatThrownBy(() -> repository().finishNode(id, "a", Result.success(""), newClaim()))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        var holder = claim(id, "a");
        // Someone else's claim.
        assertThatThrownBy(() -> repository().finishNode(id, "a", Result.success("intruder"), newClaim()))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        assertThat(inspectNode(id, "a").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(inspectNode(id, "a").attempts()).isEmpty();

        finish(id, "a", Result.success("mine"), holder);
        // Twice with the same claim: the attempt is recorded once.
        assertThatThrownBy(() -> repository().finishNode(id, "a", Result.success("again"), holder))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        assertThat(inspectNode(id, "a").attempts())
                .extracting(Result::outputText)
                .containsExactly("mine");
        assertInputs(id, "b", Map.of("a", "mine"));
    }

    @Test
    default void finishWithoutConclusionIsInvalidAndChangesNothing() {
        var id = repository().startRun(graph("a->b")).id();
        var holder = claim(id, "a");
        var none = new Result(Conclusion.NONE, Map.of(), new byte[0]);
        assertThatThrownBy(() -> repository().finishNode(id, "a", none, holder))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        var a = inspectNode(id, "a");
        assertThat(a.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(a.attempts()).isEmpty();
        // The holder still holds it.
        finish(id, "a", Result.success("ok"), holder);
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.READY);
    }

    @Test
    default void exactlyOneOf16ConcurrentClaimersWinsEachOf200Nodes() throws Exception {
        int nodes = 200;
        int claimers = 16;
        var spec = new GraphSpec(
                IntStream.range(0, nodes)
                        .mapToObj(i -> node(String.format("n%03d", i)))
                        .toList(),
                List.of());
        var id = repository().startRun(spec).id();
        var winners = new ConcurrentHashMap<String, List<String>>();
        var barrier = new CyclicBarrier(claimers);
        ExecutorService pool = Executors.newFixedThreadPool(claimers);
        try {
            var futures = new ArrayList<Future<?>>();
            for (int t = 0; t < claimers; t++) {
                futures.add(pool.submit(() -> {
                    for (var n : spec.nodes()) {
                        barrier.await(DEADLINE.toSeconds(), TimeUnit.SECONDS); // all 16 race for this node
                        var claim = newClaim();
                        var result = repository().claimNode(id, n.name(), claim);
                        if (result.claimed()) {
                            winners.computeIfAbsent(n.name(), k -> Collections.synchronizedList(new ArrayList<>()))
                                    .add(claim.id());
                        } else {
                            assertThat(result.node().status()).isEqualTo(NodeStatus.RUNNING);
                        }
                    }
                    return null;
                }));
            }
            for (var f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        var run = repository().inspectRun(id);
        for (var n : run.nodes()) {
            assertThat(winners.get(n.name())).as("winners of %s", n.name()).hasSize(1);
            assertThat(n.status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(n.claim().id()).isEqualTo(winners.get(n.name()).getFirst());
        }
        assertThat(repository().stats().nodeCounts().running()).isEqualTo(nodes);
    }

    /**
     * An agent whose claim's answer was lost (a timeout, a dropped connection) asks again with the
     * same claim and learns that it holds the node; nothing changes.
     */
    @Test
    default void aRepeatedClaimWithTheSameClaimIdIsIdempotent() {
        var id = repository().startRun(graph("a->b")).id();
        var holder = newClaim();
        var first = repository().claimNode(id, "a", holder);
        assertThat(first.claimed()).isTrue();
        var stats = repository().stats();

        var again = repository().claimNode(id, "a", holder);
        assertThat(again.claimed()).isTrue();
        assertThat(again.orphanRecovery()).isFalse();
        assertThat(again.node()).isEqualTo(first.node());
        assertThat(inspectNode(id, "a")).isEqualTo(first.node());
        assertThat(repository().stats()).isEqualTo(stats);
        // Someone else's claim still loses.
        assertThat(repository().claimNode(id, "a", newClaim()).claimed()).isFalse();

        finish(id, "a", Result.success("once"), holder);
        var afterFinish = repository().claimNode(id, "a", holder);
        assertThat(afterFinish.claimed())
                .as("a completed node is not claimed again")
                .isFalse();
        assertThat(afterFinish.node().status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(inspectNode(id, "a").attempts())
                .extracting(Result::outputText)
                .containsExactly("once");
    }

    /** A claim repeated after the node went back to READY for a retry is a new claim of a new attempt. */
    @Test
    default void aClaimIdReusedForTheNextAttemptClaimsItAfresh() {
        var id = repository().startRun(graph(List.of(node("x", 2, 0)))).id();
        var reused = newClaim();
        assertThat(repository().claimNode(id, "x", reused).claimed()).isTrue();
        finish(id, "x", Result.fail("first"), reused);
        var second = repository().claimNode(id, "x", reused);
        assertThat(second.claimed()).isTrue();
        assertThat(second.node().attempts()).hasSize(1);
        assertThatThrownBy(() -> repository().claimNode(id, "x", null))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
    }
}
