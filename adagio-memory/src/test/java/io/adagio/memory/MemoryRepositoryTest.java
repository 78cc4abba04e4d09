package io.adagio.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.adagio.conformance.Graphs;
import io.adagio.core.graph.Limits;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What the conformance suite cannot say about the memory backend in particular. */
class MemoryRepositoryTest {

    /**
     * A fleet of agents driven only by events, as in production: every agent hears every NODE_READY,
     * all race to claim, and the winner executes and reports a random conclusion. Across many runs
     * in parallel, each attempt must be executed exactly once and the counters must add up.
     */
    @Test
    void aFleetOfEventDrivenAgentsCompletesManyRunsExecutingEachAttemptOnce() {
        int agents = 8;
        int runs = 60;
        var spec = layeredGraph(5, 6);
        int nodesPerRun = spec.nodes().size();
        try (var repository = new MemoryRepository()) {
            var stop = new AtomicBoolean();
            var failure = new AtomicReference<Throwable>();
            // (run, node) -> number of times an agent executed it
            var executions = new ConcurrentHashMap<String, AtomicInteger>();
            var threads = new ArrayList<Thread>();
            for (int i = 0; i < agents; i++) {
                var subscription = repository.subscribe(
                        new Agent("agent-" + i, List.of(Graphs.RUNTIME)), EnumSet.of(Event.Type.NODE_READY));
                threads.add(Thread.ofPlatform().name("agent-" + i).start(() -> {
                    try (subscription) {
                        while (!stop.get()) {
                            var event = subscription.poll(Duration.ofMillis(20));
                            if (event.isEmpty()) {
                                continue;
                            }
                            var e = event.get();
                            var claim = new Claim(Thread.currentThread().getName() + "-" + System.nanoTime());
                            var claimed =
                                    repository.claimNode(e.runId(), e.node().name(), claim);
                            if (!claimed.claimed()) {
                                continue;
                            }
                            executions
                                    .computeIfAbsent(e.runId() + "/" + e.node().name(), k -> new AtomicInteger())
                                    .incrementAndGet();
                            int roll = ThreadLocalRandom.current().nextInt(10);
                            var result =
                                    roll == 0 ? Result.fail("f") : roll == 1 ? Result.error("e") : Result.success("ok");
                            repository.finishNode(e.runId(), e.node().name(), result, claim);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            var ids = new ArrayList<String>();
            for (int i = 0; i < runs; i++) {
                ids.add(repository.startRun(spec).id());
            }
            try {
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(20))
                        .untilAsserted(() -> {
                            assertThat(failure.get()).isNull();
                            assertThat(repository.stats().nodeCounts().completed())
                                    .isEqualTo((long) runs * nodesPerRun);
                        });
            } finally {
                stop.set(true);
                threads.forEach(t -> {
                    try {
                        t.join(Duration.ofSeconds(10));
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(failure.get()).isNull();
            assertThat(repository.stats())
                    .isEqualTo(new Stats(runs, new Stats.NodeCounts(0, 0, 0, (long) runs * nodesPerRun, 0)));
            for (var id : ids) {
                var run = repository.inspectRun(id);
                assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
                for (var node : run.nodes()) {
                    var executed = executions.get(id + "/" + node.name());
                    assertThat(executed == null ? 0 : executed.get())
                            .as("executions of %s", node.name())
                            .isEqualTo(node.attempts().size());
                }
            }
        }
    }

    /**
     * A tighter race than the conformance suite's: threads sweep the same 10,000 ready nodes in the
     * same order with no pause between claims, so they keep colliding on the same node. Each node
     * must still have exactly one winner, and the counters must agree.
     */
    @Test
    void threadsSweepingTheSameNodesInLockstepNeverBothWinOne() throws Exception {
        int nodes = 10_000;
        int threads = 4;
        var spec = new GraphSpec(
                IntStream.range(0, nodes).mapToObj(i -> Graphs.node("n" + i)).toList(), List.of());
        try (var repository = new MemoryRepository()) {
            var id = repository.startRun(spec).id();
            var wins = new AtomicIntegerArray(nodes);
            var start = new CountDownLatch(1);
            var workers = new ArrayList<Future<?>>();
            var pool = Executors.newFixedThreadPool(threads);
            try {
                for (int t = 0; t < threads; t++) {
                    int worker = t;
                    workers.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < nodes; i++) {
                            if (repository
                                    .claimNode(id, "n" + i, new Claim("w" + worker + "-" + i))
                                    .claimed()) {
                                wins.incrementAndGet(i);
                            }
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (var w : workers) {
                    w.get(2, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
            for (int i = 0; i < nodes; i++) {
                assertThat(wins.get(i)).as("winners of n%d", i).isEqualTo(1);
            }
            assertThat(repository.stats().nodeCounts()).isEqualTo(new Stats.NodeCounts(0, 0, nodes, 0, 0));
        }
    }

    @Test
    void aSpecOverAConfiguredLimitIsRefusedAndChangesNothing() {
        try (var repository = new MemoryRepository(new Limits(3, 10, 64, 1024))) {
            var four = Graphs.graph("a->b", "b->c", "c->d");
            assertThatThrownBy(() -> repository.startRun(four))
                    .isInstanceOf(RepositoryException.LimitExceeded.class)
                    .hasMessageContaining("4 nodes");
            var heavy = new GraphSpec(
                    List.of(new NodeSpec(
                            "a", "debug", Map.of("adagio.arguments.debug.sleep", List.of("x".repeat(100))), Map.of())),
                    List.of());
            assertThatThrownBy(() -> repository.startRun(heavy))
                    .isInstanceOf(RepositoryException.LimitExceeded.class)
                    .hasMessageContaining("\"a\"");
            assertThat(repository.stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));
            assertThat(repository.startRun(Graphs.graph("a->b", "b->c")).status())
                    .isEqualTo(RunStatus.WAITING);
        }
    }

    @Test
    void orphaningANodeThatIsNotRunningChangesNothing() {
        try (var repository = new MemoryRepository()) {
            var subscription = repository.subscribe(new Agent("a1", List.of("debug")), EnumSet.allOf(Event.Type.class));
            var id = repository.startRun(Graphs.graph("a->b")).id();
            assertThat(repository.orphan(id, "a").status()).isEqualTo(NodeStatus.READY);
            assertThat(repository.orphan(id, "b").status()).isEqualTo(NodeStatus.WAITING);
            assertThatThrownBy(() -> repository.orphan(id, "zzz")).isInstanceOf(RepositoryException.NotFound.class);
            // Only the start's NODE_READY for a was emitted.
            assertThat(subscription.poll()).get().isEqualTo(Event.ready(id, Graphs.node("a")));
            assertThat(subscription.poll()).isEmpty();
            assertThat(repository.stats().nodeCounts().orphaned()).isZero();
        }
    }

    @Test
    void anAgentSubscribedTwiceIsListedOnceUntilBothSubscriptionsClose() {
        try (var repository = new MemoryRepository()) {
            var agent = new Agent("pool-1", List.of("debug"));
            var first = repository.subscribe(agent, EnumSet.of(Event.Type.NODE_READY));
            var second = repository.subscribe(agent, EnumSet.of(Event.Type.NODE_ORPHANED));
            assertThat(repository.listAgents()).containsExactly(agent);
            first.close();
            assertThat(repository.listAgents()).containsExactly(agent);
            second.close();
            assertThat(repository.listAgents()).isEmpty();
        }
    }

    @Test
    void aSubscriptionWithoutIdOrAClaimWithoutIdIsRefused() {
        try (var repository = new MemoryRepository()) {
            assertThatThrownBy(() -> repository.subscribe(new Agent("", List.of()), EnumSet.of(Event.Type.NODE_READY)))
                    .isInstanceOf(RepositoryException.InvalidRequest.class);
            var id =
                    repository.startRun(Graphs.graph(List.of(Graphs.node("a")))).id();
            assertThatThrownBy(() -> repository.claimNode(id, "a", new Claim("")))
                    .isInstanceOf(RepositoryException.InvalidRequest.class);
            assertThat(repository.inspectRun(id).nodes().getFirst().status()).isEqualTo(NodeStatus.READY);
            assertThat(repository.listAgents()).isEmpty();
        }
    }

    @Test
    void closingTheRepositoryEndsSubscriptionsAndRefusesFurtherWork() throws Exception {
        var repository = new MemoryRepository();
        var subscription = repository.subscribe(new Agent("a1", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
        var woken = new AtomicBoolean();
        var waiter = Thread.ofPlatform().start(() -> {
            try {
                // Far longer than the test may take: only close() can end this wait in time.
                woken.set(subscription.poll(Duration.ofMinutes(5)).isEmpty());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        repository.close();
        waiter.join(Duration.ofSeconds(30));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(woken).isTrue();
        assertThat(subscription.isClosed()).isTrue();
        assertThatThrownBy(() -> repository.startRun(Graphs.graph("a->b")))
                .isInstanceOf(RepositoryException.Unavailable.class);
    }

    @Test
    void runsStartedInTheSameInstantStillListInStartOrder() {
        try (var repository = new MemoryRepository()) {
            var ids = new ArrayList<String>();
            for (int i = 0; i < 200; i++) {
                ids.add(repository
                        .startRun(Graphs.graph(List.of(Graphs.node("a"))))
                        .id());
            }
            var listed = repository.listRuns(RunQuery.ALL).stream().map(Run::id).toList();
            assertThat(listed).containsExactlyElementsOf(ids.reversed());
            assertThat(ids).isSorted();
        }
    }

    /**
     * A run's READY nodes are marked in the run, and the index drops a run whose marks a replay
     * finds empty. A chain's marks are empty between each claim and the finish that makes the next
     * node READY, so replays racing with steps must never lose a run that then gets a mark: at the
     * end, a new subscriber is told of exactly the nodes READY then.
     */
    @Test
    void newSubscribersRacingWithStepsLoseNoReadyNode() throws Exception {
        int runs = 40;
        int length = 30;
        var edges = new String[length - 1];
        for (int i = 0; i + 1 < length; i++) {
            edges[i] = "n" + i + "->n" + (i + 1);
        }
        var chain = Graphs.graph(edges);
        try (var repository = new MemoryRepository()) {
            var ids = new ArrayList<String>();
            for (int r = 0; r < runs; r++) {
                ids.add(repository.startRun(chain).id());
            }
            var stepping = new AtomicBoolean(true);
            var failure = new AtomicReference<Throwable>();
            var subscriber = Thread.ofPlatform().start(() -> {
                int n = 0;
                while (stepping.get()) {
                    try (var s = repository.subscribe(
                            new Agent("late-" + n++, List.of(Graphs.RUNTIME)), EnumSet.of(Event.Type.NODE_READY))) {
                        while (s.poll().isPresent()) {
                            // drained: only the replay's bookkeeping matters here
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }
            });
            var steppers = new ArrayList<Thread>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                steppers.add(Thread.ofPlatform().start(() -> {
                    try {
                        // Each run goes some way down its chain (not to the end), so that some
                        // nodes are READY when the steppers stop.
                        for (int r = first; r < runs; r += 4) {
                            for (int i = 0; i < (r * 7) % (length - 1); i++) {
                                var claim = new Claim("c-" + r + "-" + i);
                                assertThat(repository
                                                .claimNode(ids.get(r), "n" + i, claim)
                                                .claimed())
                                        .isTrue();
                                repository.finishNode(ids.get(r), "n" + i, Result.success("ok"), claim);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (var t : steppers) {
                t.join();
            }
            stepping.set(false);
            subscriber.join();
            assertThat(failure.get()).isNull();

            var expected = new java.util.HashSet<String>();
            for (var id : ids) {
                for (var node : repository.inspectRun(id).nodes()) {
                    if (node.status() == NodeStatus.READY) {
                        expected.add(id + "/" + node.spec().name());
                    }
                }
            }
            var told = new java.util.HashSet<String>();
            try (var s = repository.subscribe(
                    new Agent("last", List.of(Graphs.RUNTIME)), EnumSet.of(Event.Type.NODE_READY))) {
                for (var e = s.poll(); e.isPresent(); e = s.poll()) {
                    told.add(e.get().runId() + "/" + e.get().node().name());
                }
            }
            assertThat(expected).hasSize(runs);
            assertThat(told).isEqualTo(expected);
        }
    }

    /** {@code layers} layers of {@code width} nodes; each node depends on two nodes of the layer above. */
    private static GraphSpec layeredGraph(int layers, int width) {
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        for (int l = 0; l < layers; l++) {
            for (int w = 0; w < width; w++) {
                nodes.add(Graphs.node("l" + l + "n" + w, 2, 2));
                if (l > 0) {
                    edges.add(new Edge("l" + (l - 1) + "n" + w, "l" + l + "n" + w));
                    edges.add(new Edge("l" + (l - 1) + "n" + ((w + 1) % width), "l" + l + "n" + w));
                }
            }
        }
        return new GraphSpec(nodes, edges);
    }
}
