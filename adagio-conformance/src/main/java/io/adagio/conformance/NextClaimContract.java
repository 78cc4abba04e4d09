package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.repository.Finished;
import io.adagio.core.repository.NextClaim;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A finish that also claims, for the same agent, a downstream node it makes READY, or failing one a
 * READY node it names ({@link io.adagio.core.repository.Repository#finishAndClaim}): what is claimed,
 * what is still announced, and that such a claim is a claim like any other.
 */
public interface NextClaimContract extends ConformanceSupport {

    private NextClaim next(String... runtimes) {
        return new NextClaim(newClaim(), Set.of(runtimes));
    }

    private NextClaim nextNamed(String node) {
        return new NextClaim(newClaim(), Set.of(Graphs.RUNTIME), node);
    }

    /** The finish completed its node and claimed {@code name}, RUNNING under the next claim; returns it. */
    private io.adagio.core.model.Node assertFinishedAndClaimed(Finished finished, String name, NextClaim next) {
        assertThat(finished.node().status()).isEqualTo(NodeStatus.COMPLETED);
        var claimed = finished.next();
        assertThat(claimed).isNotNull();
        assertThat(claimed.name()).isEqualTo(name);
        assertThat(claimed.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(claimed.claim().id()).isEqualTo(next.claim().id());
        return claimed;
    }

    private Finished finishAndClaim(String runId, String node, Result result, Claim claim, NextClaim next) {
        return repository().finishAndClaim(runId, node, result, claim, next);
    }

    @Test
    default void aFinishClaimsTheNodeItMakesReadyWithoutAnnouncingIt() {
        var inbox = subscribe("agent-1", READY_EVENTS);
        var id = repository().startRun(graph("a->b", "b->c")).id();
        var a = claim(id, "a");
        var next = next(Graphs.RUNTIME);

        var finished = finishAndClaim(id, "a", Result.success("from a"), a, next);

        var b = assertFinishedAndClaimed(finished, "b", next);
        assertThat(b.startedAt()).isNotNull();
        assertThat(text(b.inputs())).isEqualTo(Map.of("a", "from a"));
        assertThat(inspectNode(id, "b")).isEqualTo(b);
        assertThat(repository().stats().nodeCounts().running()).isEqualTo(1);
        assertThat(repository().stats().nodeCounts().ready()).isZero();
        // Nobody else may take it.
        assertThat(repository().claimNode(id, "b", newClaim()).claimed()).isFalse();

        // It is held like any claim: its holder finishes it (plainly here), and the run moves on.
        finish(id, "b", Result.success("from b"), next.claim());
        inbox.awaitReady(id, "c");
        assertThat(inbox.events(Event.Type.NODE_READY, id, "b"))
                .as("NODE_READY for the node claimed by the finish")
                .isEmpty();
        assertInputs(id, "c", Map.of("b", "from b"));
        assertThat(inspectNode(id, "b").attempts())
                .extracting(Result::outputText)
                .containsExactly("from b");
    }

    @Test
    default void aChainRunsToTheEndOnFinishesAlone() {
        var id = repository().startRun(graph("a->b", "b->c", "c->d")).id();
        var claim = claim(id, "a");
        var node = "a";
        var order = new ArrayList<String>();
        while (true) {
            order.add(node);
            var next = next(Graphs.RUNTIME);
            var finished = finishAndClaim(id, node, Result.success(node), claim, next);
            if (finished.next() == null) {
                break;
            }
            node = finished.next().name();
            claim = next.claim();
        }
        assertThat(order).containsExactly("a", "b", "c", "d");
        assertThat(repository().inspectRun(id).status()).isEqualTo(io.adagio.core.model.RunStatus.COMPLETED);
        assertInputs(id, "d", Map.of("c", "c"));
    }

    @Test
    default void aNodeOfAnotherRuntimeIsAnnouncedInstead() {
        var inbox = subscribe("agent-1", READY_EVENTS);
        var id = repository().startRun(graph("a->b")).id();
        var a = claim(id, "a");

        var finished = finishAndClaim(id, "a", Result.success("x"), a, next("some-other-runtime"));

        assertThat(finished.next()).isNull();
        inbox.awaitReady(id, "b");
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.READY);
        claim(id, "b");
    }

    @Test
    default void ofSeveralNodesMadeReadyOneIsClaimedAndTheOthersAnnounced() {
        var inbox = subscribe("agent-1", READY_EVENTS);
        var id = repository().startRun(graph("a->b", "a->c", "a->d")).id();
        inbox.awaitNewReady(id, "a");
        var a = claim(id, "a");
        var next = next(Graphs.RUNTIME);

        var finished = finishAndClaim(id, "a", Result.success("x"), a, next);

        var taken = finished.next().name();
        var others = new ArrayList<>(List.of("b", "c", "d"));
        others.remove(taken);
        inbox.awaitNewReady(id, others.toArray(String[]::new));
        assertThat(inspectNode(id, taken).claim().id()).isEqualTo(next.claim().id());
        for (var other : others) {
            assertThat(inspectNode(id, other).status()).isEqualTo(NodeStatus.READY);
        }
    }

    @Test
    default void aFanInIsClaimedOnlyByTheFinishThatCompletesItsInputs() {
        var id = repository().startRun(graph("a->c", "b->c")).id();
        var a = claim(id, "a");
        var b = claim(id, "b");

        assertThat(finishAndClaim(id, "a", Result.success("1"), a, next(Graphs.RUNTIME))
                        .next())
                .isNull();
        assertThat(inspectNode(id, "c").status()).isEqualTo(NodeStatus.WAITING);

        var c = finishAndClaim(id, "b", Result.success("2"), b, next(Graphs.RUNTIME))
                .next();
        assertThat(c.name()).isEqualTo("c");
        assertThat(text(c.inputs())).isEqualTo(Map.of("a", "1", "b", "2"));
    }

    @Test
    default void aFailedAttemptClaimsNothing() {
        var id = repository()
                .startRun(graph(List.of(node("a", 2, 0), node("b")), "a->b"))
                .id();
        var a = claim(id, "a");

        var finished = finishAndClaim(id, "a", Result.fail("no"), a, next(Graphs.RUNTIME));

        assertThat(finished.next()).isNull();
        assertThat(finished.node().status()).isEqualTo(NodeStatus.READY);
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.WAITING);
    }

    @Test
    default void aStaleOrInvalidFinishClaimsNothing() {
        var id = repository().startRun(graph("a->b")).id();
        var a = claim(id, "a");

        assertThatThrownBy(() -> finishAndClaim(id, "a", Result.success("x"), newClaim(), next(Graphs.RUNTIME)))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        assertThatThrownBy(
                        () -> finishAndClaim(id, "a", Result.success("x"), a, new NextClaim(a, Set.of(Graphs.RUNTIME))))
                .isInstanceOf(RepositoryException.InvalidRequest.class)
                .hasMessageContaining("next");
        assertThatThrownBy(() -> finishAndClaim(
                        id, "a", Result.success("x"), a, new NextClaim(new Claim("a b"), Set.of(Graphs.RUNTIME))))
                .isInstanceOf(RepositoryException.InvalidRequest.class)
                .hasMessageContaining("a b");
        assertThat(inspectNode(id, "a").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.WAITING);
        assertThat(repository().stats().nodeCounts().running()).isEqualTo(1);
    }

    /** The holder of a node claimed by a finish can lose it like any holder: it is orphaned, and recovered. */
    @Test
    default void aNodeClaimedByAFinishIsOrphanedWhenItsHolderDies() {
        var inbox = subscribe("agent-1", Set.of(Event.Type.NODE_ORPHANED));
        var id = repository().startRun(graph("a->b")).id();
        var a = claim(id, "a");
        var next = next(Graphs.RUNTIME);
        assertThat(finishAndClaim(id, "a", Result.success("x"), a, next).next()).isNotNull();

        orphanAndAwait(id, "b", next.claim());
        inbox.awaitOrphaned(id, "b");
        assertThatThrownBy(() -> finish(id, "b", Result.success("late"), next.claim()))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        var recovery = repository().claimNode(id, "b", newClaim());
        assertThat(recovery.claimed()).isTrue();
        assertThat(recovery.orphanRecovery()).isTrue();
    }

    /** Upstream nodes of one fan-in finishing at once: the fan-in is claimed exactly once, by one of them. */
    @Test
    default void concurrentFinishesIntoOneFanInClaimItOnce() throws Exception {
        int rounds = 20;
        var pool = Executors.newFixedThreadPool(2);
        try {
            for (int r = 0; r < rounds; r++) {
                var id = repository().startRun(graph("a->c", "b->c")).id();
                var holders = Map.of("a", claim(id, "a"), "b", claim(id, "b"));
                var barrier = new CyclicBarrier(2);
                var futures = new ArrayList<Future<Finished>>();
                for (var upstream : List.of("a", "b")) {
                    futures.add(pool.submit(() -> {
                        barrier.await(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                        return finishAndClaim(
                                id, upstream, Result.success(upstream), holders.get(upstream), next(Graphs.RUNTIME));
                    }));
                }
                var claimedBy = new ArrayList<String>();
                for (var f : futures) {
                    var next = f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).next();
                    if (next != null) {
                        claimedBy.add(next.claim().id());
                    }
                }
                assertThat(claimedBy).as("round %d", r).hasSize(1);
                var c = inspectNode(id, "c");
                assertThat(c.status()).isEqualTo(NodeStatus.RUNNING);
                assertThat(c.claim().id()).isEqualTo(claimedBy.getFirst());
                assertThat(text(c.inputs())).isEqualTo(Map.of("a", "a", "b", "b"));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    default void aFinishThatMakesNothingReadyClaimsTheReadyNodeItNames() {
        var id = repository().startRun(graph("r->a", "r->b", "a->c", "b->c")).id();
        finish(id, "r", Result.success("from r"), claim(id, "r"));
        var a = claim(id, "a");
        var next = nextNamed("b");

        var finished = finishAndClaim(id, "a", Result.success("from a"), a, next);

        var b = assertFinishedAndClaimed(finished, "b", next);
        assertThat(text(b.inputs())).isEqualTo(Map.of("r", "from r"));
        assertThat(inspectNode(id, "b")).isEqualTo(b);
        assertThat(inspectNode(id, "c").status()).isEqualTo(NodeStatus.WAITING);
        assertThat(repository().stats().nodeCounts().running()).isEqualTo(1);
        assertThat(repository().stats().nodeCounts().ready()).isZero();
        assertThat(repository().claimNode(id, "b", newClaim()).claimed()).isFalse();

        // Held like any claim: its finish makes the fan-in ready.
        var c = finishAndClaim(id, "b", Result.success("from b"), next.claim(), next(Graphs.RUNTIME))
                .next();
        assertThat(c.name()).isEqualTo("c");
        assertThat(text(c.inputs())).isEqualTo(Map.of("a", "from a", "b", "from b"));
    }

    @Test
    default void aNodeTheFinishMakesReadyIsClaimedRatherThanTheNamedOne() {
        var id = repository().startRun(graph("r->a", "r->b", "a->c")).id();
        finish(id, "r", Result.success("x"), claim(id, "r"));
        var a = claim(id, "a");
        var next = nextNamed("b");

        var finished = finishAndClaim(id, "a", Result.success("from a"), a, next);

        assertThat(finished.next().name()).isEqualTo("c");
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.READY);
        assertThat(repository().claimNode(id, "b", newClaim()).claimed()).isTrue();
    }

    @Test
    default void aNamedNodeThatIsNotReadyOrUnknownIsLeftAsItIs() {
        var id = repository()
                .startRun(graph(
                        List.of(node("a1"), node("a2"), node("a3"), node("a4"), node("held"), node("done"), node("w")),
                        "held->w"))
                .id();
        finish(id, "done", Result.success("x"), claim(id, "done"));
        var held = claim(id, "held");
        var runningBefore = repository().stats().nodeCounts().running();

        var named = Map.of("a1", "w", "a2", "held", "a3", "done", "a4", "no-such-node");
        for (var e : named.entrySet()) {
            boolean known = !e.getValue().equals("no-such-node");
            var before = known ? inspectNode(id, e.getValue()) : null;
            var finished =
                    finishAndClaim(id, e.getKey(), Result.success("x"), claim(id, e.getKey()), nextNamed(e.getValue()));
            assertThat(finished.next()).as("named %s", e.getValue()).isNull();
            if (known) {
                assertThat(inspectNode(id, e.getValue()))
                        .as("named %s", e.getValue())
                        .isEqualTo(before);
            }
        }
        assertThat(inspectNode(id, "w").status()).isEqualTo(NodeStatus.WAITING);
        assertThat(inspectNode(id, "held").claim().id()).isEqualTo(held.id());
        assertThat(repository().stats().nodeCounts().running()).isEqualTo(runningBefore);
    }

    @Test
    default void aNamedNodeOfAnotherRuntimeOrWithAnInvalidNameIsNotClaimed() {
        var id = repository()
                .startRun(graph(List.of(node("a"), node("b"), new io.adagio.core.model.NodeSpec("other", "elsewhere"))))
                .id();
        var a = claim(id, "a");

        assertThat(finishAndClaim(id, "a", Result.success("x"), a, nextNamed("other"))
                        .next())
                .isNull();
        assertThat(inspectNode(id, "other").status()).isEqualTo(NodeStatus.READY);

        var b = claim(id, "b");
        assertThatThrownBy(() -> finishAndClaim(id, "b", Result.success("x"), b, nextNamed("../other")))
                .isInstanceOf(RepositoryException.InvalidRequest.class)
                .hasMessageContaining("../other");
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.RUNNING);
    }
}
