package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cancelling a run: at every node state, when already completed, against concurrent claims,
 * finishes and orphaning, and for a run bigger than one store transaction.
 */
public interface CancelContract extends ConformanceSupport {

    /** A node that completed without running because its run was cancelled. */
    default void assertCancelledWithoutAttempt(Node n) {
        assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(n.conclusion()).as(n.name()).isEqualTo(Conclusion.CANCELLED);
        assertThat(n.attempts()).as(n.name()).isEmpty();
        assertThat(n.claim()).as(n.name()).isNull();
        assertThat(n.startedAt()).as(n.name()).isNotNull().isEqualTo(n.finishedAt());
    }

    @Test
    default void cancelCompletesWhatWaitsAndTellsTheAgentOfWhatRuns() {
        var inbox = subscribe("agent-1", ALL_EVENTS);
        // done COMPLETED; o orphaned; r RUNNING with w waiting below it; y READY.
        var id = repository()
                .startRun(graph(List.of(node("done"), node("o"), node("r"), node("w"), node("y")), "r->w"))
                .id();
        finish(id, "done", Result.success("kept"), claim(id, "done"));
        orphanAndAwait(id, "o", claim(id, "o"));
        var running = claim(id, "r");
        var statsBefore = repository().stats();

        var cancelled = repository().cancelRun(id);
        assertThat(cancelled.id()).isEqualTo(id);
        assertThat(cancelled.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(cancelled.conclusion()).isEqualTo(Conclusion.NONE);
        assertThat(repository().inspectRun(id)).isEqualTo(cancelled);
        assertCancelledWithoutAttempt(cancelled.node("w").orElseThrow());
        assertCancelledWithoutAttempt(cancelled.node("y").orElseThrow());
        var o = cancelled.node("o").orElseThrow();
        assertThat(o.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(o.conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(o.attempts())
                .as("the orphaned attempt is recorded")
                .singleElement()
                .extracting(Result::conclusion)
                .isEqualTo(Conclusion.CANCELLED);
        var r = cancelled.node("r").orElseThrow();
        assertThat(r.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(r.cancelRequested()).isTrue();
        assertThat(r.claim().id()).isEqualTo(running.id());
        assertThat(cancelled.node("done").orElseThrow().attempts())
                .singleElement()
                .extracting(Result::outputText)
                .isEqualTo("kept");

        assertThat(inbox.awaitCancelled(id, "r").claimId()).isEqualTo(running.id());
        for (var n : List.of("done", "o", "r", "w", "y")) {
            assertThat(repository().claimNode(id, n, newClaim()).claimed())
                    .as("claim of %s after the cancel", n)
                    .isFalse();
        }
        eventually(() -> assertThat(repository().stats().nodeCounts())
                .extracting(c -> c.ready(), c -> c.orphaned(), c -> c.running(), c -> c.completed())
                .containsExactly(0L, 0L, 1L, statsBefore.nodeCounts().completed() + 3));

        finish(id, "r", Result.cancelled("interrupted"), running);
        var done = repository().inspectRun(id);
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.conclusion()).isEqualTo(Conclusion.CANCELLED);
        var rDone = done.node("r").orElseThrow();
        assertThat(rDone.conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(rDone.cancelRequested()).isFalse();
        assertThat(rDone.attempts()).singleElement().satisfies(a -> {
            assertThat(a.conclusion()).isEqualTo(Conclusion.CANCELLED);
            assertThat(a.outputText()).isEqualTo("interrupted");
        });
        assertCancelledWithoutAttempt(done.node("w").orElseThrow());
        // Events arrive in order: once the marker's is in, w was never announced.
        var marker = repository().startRun(graph(List.of(node("m")))).id();
        inbox.awaitReady(marker, "m");
        assertThat(inbox.nodes(Event.Type.NODE_READY, id)).doesNotContain("w");
    }

    @Test
    default void cancellingACompletedOrCancelledRunChangesNothingAndAnUnknownOneIsNotFound() {
        var id = repository().startRun(graph("a->b")).id();
        driveToCompletion(id);
        var before = repository().inspectRun(id);
        assertThat(repository().cancelRun(id)).isEqualTo(before);
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.SUCCESS);

        var other = repository().startRun(graph("a->b")).id();
        var first = repository().cancelRun(other);
        assertThat(first.conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(repository().cancelRun(other)).isEqualTo(first);

        assertThatThrownBy(() -> repository().cancelRun("01JXXXXXXXXXXXXXXXXXXXXXXX"))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> repository().cancelRun("no/such")).isInstanceOf(RepositoryException.NotFound.class);
    }

    @Test
    default void aRunCancelledBeforeAnythingStartedCompletesAtOnce() {
        var id = repository().startRun(Graphs.sevenNodeDag()).id();
        var run = repository().cancelRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.conclusion()).isEqualTo(Conclusion.CANCELLED);
        run.nodes().forEach(this::assertCancelledWithoutAttempt);
        assertThat(repository().stats().nodeCounts().completed()).isEqualTo(7);
    }

    @Test
    default void aCancelledNodeWhoseAgentFinishesAnywayKeepsItsResultAndFeedsNothing() {
        var id = repository()
                .startRun(graph(List.of(node("a", 0, 3), node("b")), "a->b"))
                .id();
        var holder = claim(id, "a");
        repository().cancelRun(id);
        finish(id, "a", Result.success("finished first"), holder);
        var run = repository().inspectRun(id);
        assertThat(run.node("a").orElseThrow().conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertCancelledWithoutAttempt(run.node("b").orElseThrow());
        assertThat(run.node("b").orElseThrow().inputs()).isEmpty();
        assertThat(run.conclusion()).isEqualTo(Conclusion.CANCELLED);

        var id2 = repository()
                .startRun(graph(List.of(node("a", 0, 3), node("b")), "a->b"))
                .id();
        var holder2 = claim(id2, "a");
        repository().cancelRun(id2);
        finish(id2, "a", Result.error("broke"), holder2);
        assertThat(inspectNode(id2, "a").status()).as("no retry once cancelled").isEqualTo(NodeStatus.COMPLETED);
        assertThat(repository().inspectRun(id2).conclusion()).isEqualTo(Conclusion.CANCELLED);
    }

    @Test
    default void aRunningNodeOfACancelledRunWhoseAgentDiesCompletesCancelled() {
        var inbox = subscribe("agent-1", ALL_EVENTS);
        var id = repository()
                .startRun(graph(List.of(node("a", 0, 3), node("b")), "a->b"))
                .id();
        var holder = claim(id, "a");
        repository().cancelRun(id);
        orphan(repository(), id, "a", holder);
        eventually(() -> assertThat(inspectNode(id, "a").status()).isEqualTo(NodeStatus.COMPLETED));

        var a = inspectNode(id, "a");
        assertThat(a.conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(a.attempts()).singleElement().extracting(Result::conclusion).isEqualTo(Conclusion.CANCELLED);
        assertThat(repository().inspectRun(id).conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThatThrownBy(() -> finish(id, "a", Result.cancelled("too late"), holder))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        var marker = repository().startRun(graph(List.of(node("m")))).id();
        inbox.awaitReady(marker, "m");
        assertThat(inbox.nodes(Event.Type.NODE_ORPHANED, id)).isEmpty();
    }

    @Test
    default void aLateSubscriberHearsOfTheRunningNodesOfCancelledRuns() {
        var id = repository().startRun(graph("a->b")).id();
        var holder = claim(id, "a");
        repository().cancelRun(id);
        var late = subscribe("agent-late", ALL_EVENTS);
        assertThat(late.awaitCancelled(id, "a").claimId()).isEqualTo(holder.id());
        var readyOnly = subscribe("agent-ready", READY_EVENTS);
        var marker = repository().startRun(graph(List.of(node("m")))).id();
        readyOnly.awaitReady(marker, "m");
        assertThat(readyOnly.received()).extracting(Event::type).containsOnly(Event.Type.NODE_READY);
    }

    /** Claims race the cancel: those that won before it hold running nodes told to stop; none wins after. */
    @Test
    default void cancelRacingClaimsLetsNoClaimWinAfterIt() throws Exception {
        int width = 40;
        var nodes = new ArrayList<NodeSpec>();
        for (int i = 0; i < width; i++) {
            nodes.add(node("n" + i));
        }
        var id = repository().startRun(new GraphSpec(nodes, List.of())).id();
        var won = new ConcurrentHashMap<String, Claim>();
        var start = new CountDownLatch(1);
        var pool = Executors.newFixedThreadPool(8);
        try {
            var claims = new ArrayList<Future<?>>();
            for (int i = 0; i < width; i++) {
                var name = "n" + i;
                claims.add(pool.submit(() -> {
                    start.await();
                    var claim = newClaim();
                    if (repository().claimNode(id, name, claim).claimed()) {
                        won.put(name, claim);
                    }
                    return null;
                }));
            }
            var cancel = pool.submit(() -> {
                start.await();
                return repository().cancelRun(id);
            });
            start.countDown();
            cancel.get(5, TimeUnit.MINUTES);
            for (var c : claims) {
                c.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        var run = repository().inspectRun(id);
        for (var n : run.nodes()) {
            if (won.containsKey(n.name())) {
                assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.RUNNING);
                assertThat(n.cancelRequested()).as(n.name()).isTrue();
            } else {
                assertCancelledWithoutAttempt(n);
            }
            assertThat(repository().claimNode(id, n.name(), newClaim()).claimed())
                    .isFalse();
        }
        won.forEach((name, claim) -> finish(id, name, Result.cancelled("stopped"), claim));
        var done = repository().inspectRun(id);
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(done.nodes()).allSatisfy(n -> assertThat(n.conclusion()).isEqualTo(Conclusion.CANCELLED));
    }

    /** A finish races the cancel: either order leaves the node's success and its downstream cancelled. */
    @Test
    default void cancelRacingAFinishLeavesTheDownstreamCancelled() throws Exception {
        for (int round = 0; round < 5; round++) {
            var id = repository().startRun(graph("a->b", "b->c")).id();
            var holder = claim(id, "a");
            race(
                    () -> repository().finishNode(id, "a", Result.success("out"), holder),
                    () -> repository().cancelRun(id));
            var run = repository().inspectRun(id);
            var a = run.node("a").orElseThrow();
            assertThat(a.conclusion()).isEqualTo(Conclusion.SUCCESS);
            assertThat(a.attempts()).hasSize(1);
            assertCancelledWithoutAttempt(run.node("b").orElseThrow());
            assertCancelledWithoutAttempt(run.node("c").orElseThrow());
            assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(run.conclusion()).isEqualTo(Conclusion.CANCELLED);
        }
    }

    /** The holder dies as the run is cancelled: either order completes the node CANCELLED with its attempt. */
    @Test
    default void cancelRacingAnOrphaningCompletesTheNodeCancelled() throws Exception {
        for (int round = 0; round < 3; round++) {
            var id = repository()
                    .startRun(graph(List.of(node("a", 0, 3), node("b")), "a->b"))
                    .id();
            var holder = claim(id, "a");
            race(() -> orphan(repository(), id, "a", holder), () -> repository().cancelRun(id));
            eventually(() -> assertThat(inspectNode(id, "a").status()).isEqualTo(NodeStatus.COMPLETED));
            var run = repository().inspectRun(id);
            var a = run.node("a").orElseThrow();
            assertThat(a.conclusion()).isEqualTo(Conclusion.CANCELLED);
            assertThat(a.attempts())
                    .singleElement()
                    .extracting(Result::conclusion)
                    .isEqualTo(Conclusion.CANCELLED);
            assertCancelledWithoutAttempt(run.node("b").orElseThrow());
            assertThat(run.conclusion()).isEqualTo(Conclusion.CANCELLED);
        }
    }

    /** A run with more nodes than one store transaction holds is cancelled as a whole. */
    @Test
    default void aBigRunIsCancelledAsAWhole() {
        int width = 300;
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        nodes.add(node("root"));
        for (int i = 0; i < width; i++) {
            nodes.add(node("n" + i));
            edges.add(new Edge("root", "n" + i));
        }
        var id = repository().startRun(new GraphSpec(nodes, edges)).id();
        var holder = claim(id, "root");
        var run = repository().cancelRun(id);
        assertThat(run.nodes().stream().filter(n -> n.conclusion() == Conclusion.CANCELLED))
                .hasSize(width);
        finish(id, "root", Result.success("out"), holder);
        var done = repository().inspectRun(id);
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.conclusion()).isEqualTo(Conclusion.CANCELLED);
        assertThat(done.nodes()).filteredOn(n -> !n.name().equals("root")).allSatisfy(n -> {
            assertCancelledWithoutAttempt(n);
            assertThat(n.inputs()).isEmpty();
        });
        assertThat(repository().stats().nodeCounts())
                .isEqualTo(new io.adagio.core.model.Stats.NodeCounts(0, 0, 0, width + 1, 0));
    }

    /** Runs both at once, as close together as threads allow, and waits for both. */
    default void race(Runnable first, Runnable second) throws Exception {
        var start = new CountDownLatch(1);
        var pool = Executors.newFixedThreadPool(2);
        try {
            var f1 = pool.submit(() -> {
                start.await();
                first.run();
                return null;
            });
            var f2 = pool.submit(() -> {
                start.await();
                second.run();
                return null;
            });
            start.countDown();
            f1.get(5, TimeUnit.MINUTES);
            f2.get(5, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
    }
}
