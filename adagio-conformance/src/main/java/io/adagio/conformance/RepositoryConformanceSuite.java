package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static io.adagio.conformance.Graphs.sevenNodeDag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.protocol.Timestamps;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The protocol of DESIGN §3 as every repository backend must keep it. A backend's test extends this
 * class and says only how to make a fresh, empty repository and how to make the holder of a claim
 * lose its liveness; everything else is checked here, unchanged for every backend.
 *
 * <p>Backends may deliver events and orphan claims asynchronously (an etcd watch, a lease that runs
 * out), so the suite waits for those with generous deadlines, never with sleeps. Within one test,
 * at most one node is RUNNING when a claim is orphaned, so a backend whose orphaning takes every
 * claim of a liveness lease with it passes unchanged.
 */
public abstract class RepositoryConformanceSuite {
    /** How long anything asynchronous (events, orphaning, agent lists) may take. */
    protected static final Duration DEADLINE = Duration.ofSeconds(30);

    private static final Set<Event.Type> READY_EVENTS = EnumSet.of(Event.Type.NODE_READY);
    private static final Set<Event.Type> ALL_EVENTS = EnumSet.allOf(Event.Type.class);

    private Repository repository;
    private final List<Subscription> subscriptions = Collections.synchronizedList(new ArrayList<>());

    /** A fresh repository holding no runs and no agents; called before every test. */
    protected abstract Repository createRepository();

    /**
     * Makes whoever holds {@code claim} on the node lose its liveness, as if its agent had died. The
     * node must then (possibly after a while) read NONE and NODE_ORPHANED be emitted.
     */
    protected abstract void orphan(Repository repository, String runId, String node, Claim claim);

    @BeforeEach
    final void createFreshRepository() {
        repository = createRepository();
    }

    @AfterEach
    final void closeRepository() {
        for (var s : List.copyOf(subscriptions)) {
            s.close();
        }
        if (repository != null) {
            repository.close();
        }
    }

    protected final Repository repository() {
        return repository;
    }

    // ---------------------------------------------------------------------------------------------
    // 1. The seven-node example, layer by layer
    // ---------------------------------------------------------------------------------------------

    @Test
    void sevenNodeDagWalkedLayerByLayer() {
        var inbox = subscribe("agent-1", READY_EVENTS);
        var run = repository.startRun(sevenNodeDag());
        String id = run.id();

        assertThat(run.status()).isEqualTo(RunStatus.WAITING);
        assertStatuses(
                id,
                Map.of(
                        "a",
                        NodeStatus.READY,
                        "b",
                        NodeStatus.READY,
                        "c",
                        NodeStatus.WAITING,
                        "d",
                        NodeStatus.WAITING,
                        "e",
                        NodeStatus.WAITING,
                        "f",
                        NodeStatus.WAITING,
                        "g",
                        NodeStatus.WAITING));
        inbox.awaitNewReady(id, "a", "b");
        assertNotReady(id, "c", "d", "e", "f", "g");

        // Layer 1: the roots.
        var claimA = claim(id, "a");
        assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);
        var claimB = claim(id, "b");
        finish(id, "a", Result.success("out-a"), claimA);
        // c needs only a; d also needs b, which is still running.
        assertThat(inspectNode(id, "c").status()).isEqualTo(NodeStatus.READY);
        assertThat(inspectNode(id, "d").status()).isEqualTo(NodeStatus.WAITING);
        finish(id, "b", Result.success("out-b"), claimB);
        inbox.awaitNewReady(id, "c", "d", "f");
        assertInputs(id, "c", Map.of("a", "out-a"));
        assertInputs(id, "d", Map.of("a", "out-a", "b", "out-b"));
        assertInputs(id, "f", Map.of("b", "out-b"));
        assertNotReady(id, "e", "g");
        assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);

        // Layer 2: c, d, f. The claim answer carries the inputs the agent hands to the runtime.
        var claimedC = repository.claimNode(id, "c", newClaim());
        assertThat(claimedC.claimed()).isTrue();
        assertThat(text(claimedC.node().inputs())).isEqualTo(Map.of("a", "out-a"));
        finish(id, "c", Result.success("out-c"), claimedC.node().claim());
        assertThat(inspectNode(id, "e").status()).as("e still waits for d").isEqualTo(NodeStatus.WAITING);
        finish(id, "d", Result.success("out-d"), claim(id, "d"));
        finish(id, "f", Result.success("out-f"), claim(id, "f"));
        inbox.awaitNewReady(id, "e");
        assertInputs(id, "e", Map.of("c", "out-c", "d", "out-d"));
        assertNotReady(id, "g");
        assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);

        // Layer 3: e.
        finish(id, "e", Result.success("out-e"), claim(id, "e"));
        inbox.awaitNewReady(id, "g");
        assertInputs(id, "g", Map.of("e", "out-e", "f", "out-f"));
        assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);

        // Layer 4: g, and the run is complete.
        finish(id, "g", Result.success("out-g"), claim(id, "g"));
        var done = repository.inspectRun(id);
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        for (var n : done.nodes()) {
            assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(n.attempts()).as(n.name()).hasSize(1);
            assertThat(n.attempts().getFirst().conclusion()).isEqualTo(Conclusion.SUCCESS);
            assertThat(n.attempts().getFirst().outputText()).isEqualTo("out-" + n.name());
            assertThat(n.startedAt()).as(n.name()).isNotNull();
            assertThat(n.finishedAt()).as(n.name()).isNotNull().isAfterOrEqualTo(n.startedAt());
        }
    }

    @Test
    void startCreatesRunWithTimeOrderedIdRootsReadyAndSpecKept() {
        var spec = new GraphSpec(
                List.of(
                        new NodeSpec(
                                "fetch",
                                "exec",
                                Map.of(
                                        "adagio.arguments.exec.command",
                                        List.of("curl"),
                                        "adagio.arguments.exec.args",
                                        List.of("-s", "http://127.0.0.1:9/x")),
                                Map.of("error", io.adagio.core.model.RetryRule.maxAttempts(3))),
                        node("report")),
                List.of(new Edge("fetch", "report")));
        Instant before = Instant.now();
        var first = repository.startRun(spec);
        var second = repository.startRun(spec);
        Instant after = Instant.now();

        assertThat(first.id()).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(second.id()).isGreaterThan(first.id());
        assertThat(first.createdAt()).isBetween(before.minusSeconds(5), after.plusSeconds(5));
        assertThat(second.createdAt()).isAfterOrEqualTo(first.createdAt());
        assertThat(first.status()).isEqualTo(RunStatus.WAITING);
        assertThat(first.edges()).containsExactly(new Edge("fetch", "report"));
        assertThat(first.nodes()).extracting(Node::spec).containsExactlyElementsOf(spec.nodes());
        assertThat(first.nodes()).extracting(Node::status).containsExactly(NodeStatus.READY, NodeStatus.WAITING);
        assertThat(first.nodes()).allSatisfy(n -> {
            assertThat(n.attempts()).isEmpty();
            assertThat(n.claim()).isNull();
            assertThat(n.startedAt()).isNull();
            assertThat(n.finishedAt()).isNull();
        });
        assertThat(repository.inspectRun(first.id())).isEqualTo(first);
    }

    @Test
    void claimOfRunningOrCompletedNodeIsRefusedWithoutError() {
        var id = repository.startRun(graph("a->b")).id();
        var winner = newClaim();
        assertThat(repository.claimNode(id, "a", winner).claimed()).isTrue();

        var late = repository.claimNode(id, "a", newClaim());
        assertThat(late.claimed()).isFalse();
        assertThat(late.orphanRecovery()).isFalse();
        assertThat(late.node().status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(late.node().claim().id()).isEqualTo(winner.id());

        finish(id, "a", Result.success("x"), winner);
        var afterCompletion = repository.claimNode(id, "a", newClaim());
        assertThat(afterCompletion.claimed()).isFalse();
        assertThat(afterCompletion.node().status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(inspectNode(id, "a").attempts()).hasSize(1);
    }

    @Test
    void unknownRunsAndNodesAreNotFound() {
        var id = repository.startRun(graph("a->b")).id();
        String unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

        assertThatThrownBy(() -> repository.inspectRun(unknown))
                .isInstanceOf(RepositoryException.NotFound.class)
                .hasMessageContaining(unknown);
        assertThatThrownBy(() -> repository.claimNode(unknown, "a", newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> repository.finishNode(unknown, "a", Result.success(""), newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> repository.claimNode(id, "nope", newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> repository.finishNode(id, "nope", Result.success(""), newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThat(repository.listRuns(RunQuery.ALL)).extracting(Run::id).containsExactly(id);
    }

    @Test
    void onlyTheCurrentClaimMayFinishANode() {
        var id = repository.startRun(graph("a->b")).id();
        // Never claimed.
        assertThatThrownBy(() -> repository.finishNode(id, "a", Result.success(""), newClaim()))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        var holder = claim(id, "a");
        // Someone else's claim.
        assertThatThrownBy(() -> repository.finishNode(id, "a", Result.success("intruder"), newClaim()))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        assertThat(inspectNode(id, "a").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(inspectNode(id, "a").attempts()).isEmpty();

        finish(id, "a", Result.success("mine"), holder);
        // Twice with the same claim: the attempt is recorded once.
        assertThatThrownBy(() -> repository.finishNode(id, "a", Result.success("again"), holder))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        assertThat(inspectNode(id, "a").attempts())
                .extracting(Result::outputText)
                .containsExactly("mine");
        assertInputs(id, "b", Map.of("a", "mine"));
    }

    @Test
    void finishWithoutConclusionIsInvalidAndChangesNothing() {
        var id = repository.startRun(graph("a->b")).id();
        var holder = claim(id, "a");
        var none = new Result(Conclusion.NONE, Map.of(), new byte[0]);
        assertThatThrownBy(() -> repository.finishNode(id, "a", none, holder))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        var a = inspectNode(id, "a");
        assertThat(a.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(a.attempts()).isEmpty();
        // The holder still holds it.
        finish(id, "a", Result.success("ok"), holder);
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.READY);
    }

    @Test
    void outputsArriveAsInputsByteForByteAndResultMetadataIsKept() {
        var id = repository.startRun(graph("a->b")).id();
        byte[] binary = {0, (byte) 0xff, (byte) 0x80, 10, 13, 'x', 0};
        var result =
                new Result(Conclusion.SUCCESS, Map.of("exit-code", List.of("0"), "k", List.of("v1", "v2")), binary);
        finish(id, "a", result, claim(id, "a"));

        var a = inspectNode(id, "a");
        assertThat(a.attempts()).containsExactly(result);
        assertThat(inspectNode(id, "b").inputs().get("a")).containsExactly(binary);
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Exactly one winner among concurrent claimers
    // ---------------------------------------------------------------------------------------------

    @Test
    void exactlyOneOf16ConcurrentClaimersWinsEachOf200Nodes() throws Exception {
        int nodes = 200;
        int claimers = 16;
        var spec = new GraphSpec(
                IntStream.range(0, nodes)
                        .mapToObj(i -> node(String.format("n%03d", i)))
                        .toList(),
                List.of());
        var id = repository.startRun(spec).id();
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
                        var result = repository.claimNode(id, n.name(), claim);
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
        var run = repository.inspectRun(id);
        for (var n : run.nodes()) {
            assertThat(winners.get(n.name())).as("winners of %s", n.name()).hasSize(1);
            assertThat(n.status()).isEqualTo(NodeStatus.RUNNING);
            assertThat(n.claim().id()).isEqualTo(winners.get(n.name()).getFirst());
        }
        assertThat(repository.stats().nodeCounts().running()).isEqualTo(nodes);
    }

    @Test
    void concurrentFinishesOfAFanInMakeTheSinkReadyOnceWithEveryInput() throws Exception {
        int sources = 32;
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        for (int i = 0; i < sources; i++) {
            nodes.add(node("s" + i));
            edges.add(new Edge("s" + i, "sink"));
        }
        nodes.add(node("sink"));
        var inbox = subscribe("agent-1", READY_EVENTS);
        var id = repository.startRun(new GraphSpec(nodes, edges)).id();
        var claims = new HashMap<String, Claim>();
        for (int i = 0; i < sources; i++) {
            claims.put("s" + i, claim(id, "s" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            var futures = new ArrayList<Future<?>>();
            claims.forEach((name, claim) -> futures.add(
                    pool.submit(() -> repository.finishNode(id, name, Result.success("from-" + name), claim))));
            for (var f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        var sink = inspectNode(id, "sink");
        assertThat(sink.status()).isEqualTo(NodeStatus.READY);
        assertThat(text(sink.inputs()))
                .hasSize(sources)
                .allSatisfy((from, output) -> assertThat(output).isEqualTo("from-" + from));
        inbox.awaitReady(id, "sink");
        assertThat(repository.claimNode(id, "sink", newClaim()).claimed()).isTrue();
    }

    @Test
    void runsDrivenConcurrentlyAllComplete() throws Exception {
        int runs = 8;
        var ids = new ArrayList<String>();
        for (int i = 0; i < runs; i++) {
            ids.add(repository.startRun(sevenNodeDag()).id());
        }
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        try {
            var futures = ids.stream()
                    .map(id -> pool.submit(() -> driveToCompletion(id)))
                    .toList();
            for (var f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        for (var id : ids) {
            assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
        }
        var counts = repository.stats().nodeCounts();
        assertThat(counts.completed()).isEqualTo(7L * runs);
        assertThat(counts.total()).isEqualTo(7L * runs);
    }

    // ---------------------------------------------------------------------------------------------
    // 3. FAIL and ERROR, retry rules, unreached nodes
    // ---------------------------------------------------------------------------------------------

    @Test
    void failWithoutRetryRuleCompletesTheNodeAndLeavesDownstreamUnreached() {
        var id = repository
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
            assertThat(repository.claimNode(id, unreached, newClaim()).claimed())
                    .isFalse();
        }
        assertThat(inspectNode(id, "w").status()).isEqualTo(NodeStatus.READY);
        assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);
        finish(id, "w", Result.success(""), claim(id, "w"));
        assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void errorWithoutItsOwnRetryRuleIsFinalEvenIfFailMayRetry() {
        var id = repository
                .startRun(graph(List.of(node("x", 3, 0), node("y")), "x->y"))
                .id();
        finish(id, "x", Result.error("runtime broke"), claim(id, "x"));

        var x = inspectNode(id, "x");
        assertThat(x.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(x.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.ERROR);
        assertThat(inspectNode(id, "y").status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(inspectNode(id, "y").attempts()).isEmpty();
        assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void failIsRetriedUntilMaxAttemptsCountingTheFirst() {
        var inbox = subscribe("agent-1", READY_EVENTS);
        var id = repository
                .startRun(graph(List.of(node("x", 3, 0), node("y")), "x->y"))
                .id();
        inbox.awaitNewReady(id, "x");

        var first = claim(id, "x");
        finish(id, "x", Result.fail("1"), first);
        assertThat(inspectNode(id, "x").status()).isEqualTo(NodeStatus.READY);
        inbox.awaitNewReady(id, "x");
        assertThatThrownBy(() -> repository.finishNode(id, "x", Result.success(""), first))
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
        assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void aRetriedNodeThatSucceedsFeedsItsDownstream() {
        var id = repository
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
    void maxAttemptsCountsEachConditionSeparately() {
        var id = repository.startRun(graph(List.of(node("x", 2, 2)))).id();
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
    void aFailureInTheDiamondLeavesOnlyItsDescendantsUnreached() {
        var id = repository.startRun(sevenNodeDag()).id();
        finish(id, "a", Result.success("a"), claim(id, "a"));
        finish(id, "b", Result.success("b"), claim(id, "b"));
        finish(id, "d", Result.fail("d failed"), claim(id, "d"));

        for (var unreached : List.of("e", "g")) {
            assertThat(inspectNode(id, unreached).status()).as(unreached).isEqualTo(NodeStatus.COMPLETED);
            assertThat(inspectNode(id, unreached).attempts()).as(unreached).isEmpty();
        }
        // c and f do not depend on d: they still run, and their success does not revive e or g.
        assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.RUNNING);
        finish(id, "c", Result.success("c"), claim(id, "c"));
        finish(id, "f", Result.success("f"), claim(id, "f"));
        var run = repository.inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.node("e").orElseThrow().attempts()).isEmpty();
        assertThat(run.node("g").orElseThrow().attempts()).isEmpty();
        assertThat(run.node("g").orElseThrow().status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(repository.claimNode(id, "e", newClaim()).claimed()).isFalse();
    }

    // ---------------------------------------------------------------------------------------------
    // 4. Orphaning
    // ---------------------------------------------------------------------------------------------

    @Test
    void anOrphanedClaimReadsNoneAndIsAnnounced() {
        var inbox = subscribe("agent-1", ALL_EVENTS);
        var id = repository.startRun(graph("a->b")).id();
        var holder = claim(id, "a");
        orphanAndAwait(id, "a", holder);

        inbox.awaitOrphaned(id, "a");
        var a = inspectNode(id, "a");
        assertThat(a.claim()).isNull();
        assertThat(a.attempts()).isEmpty();
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.WAITING);
        eventually(() -> assertThat(repository.stats().nodeCounts().orphaned()).isEqualTo(1));
        assertThat(repository.stats().nodeCounts().running()).isZero();
    }

    @Test
    void anOrphanedNodeIsRecoveredAsErrorAndRetriedByRule() {
        var inbox = subscribe("agent-1", ALL_EVENTS);
        var id = repository
                .startRun(graph(List.of(node("a", 0, 2), node("b")), "a->b"))
                .id();
        inbox.awaitNewReady(id, "a");
        var lost = claim(id, "a");
        orphanAndAwait(id, "a", lost);
        inbox.awaitOrphaned(id, "a");

        var recovery = repository.claimNode(id, "a", newClaim());
        assertThat(recovery.claimed()).isTrue();
        assertThat(recovery.orphanRecovery())
                .as("the winner must record the lost attempt, not run it")
                .isTrue();
        assertThat(recovery.node().status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(repository.claimNode(id, "a", newClaim()).claimed()).isFalse();
        finish(id, "a", Result.error(Protocol.ORPHANED_OUTPUT), recovery.node().claim());

        assertThat(inspectNode(id, "a").status())
                .as("error may be retried once more")
                .isEqualTo(NodeStatus.READY);
        inbox.awaitNewReady(id, "a");
        var retry = repository.claimNode(id, "a", newClaim());
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
    void anOrphanedNodeWithoutErrorRetryCompletesAndItsDownstreamIsUnreached() {
        var id = repository.startRun(graph("a->b", "b->c")).id();
        var lost = claim(id, "a");
        orphanAndAwait(id, "a", lost);
        var recovery = repository.claimNode(id, "a", newClaim());
        assertThat(recovery.orphanRecovery()).isTrue();
        finish(id, "a", Result.error(Protocol.ORPHANED_OUTPUT), recovery.node().claim());

        var run = repository.inspectRun(id);
        assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(run.node("a").orElseThrow().attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.ERROR);
        assertThat(run.node("b").orElseThrow().attempts()).isEmpty();
        assertThat(run.node("c").orElseThrow().status()).isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    void theOldClaimCannotFinishAnOrphanedNode() {
        var id = repository.startRun(graph("a->b")).id();
        var lost = claim(id, "a");
        orphanAndAwait(id, "a", lost);

        assertThatThrownBy(() -> repository.finishNode(id, "a", Result.success("too late"), lost))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        assertThat(inspectNode(id, "a").status()).isEqualTo(NodeStatus.NONE);

        var recovery = repository.claimNode(id, "a", newClaim());
        assertThat(recovery.claimed()).isTrue();
        assertThatThrownBy(() -> repository.finishNode(id, "a", Result.success("too late"), lost))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        var a = inspectNode(id, "a");
        assertThat(a.status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(a.claim().id()).isEqualTo(recovery.node().claim().id());
        assertThat(a.attempts()).isEmpty();
        assertThat(inspectNode(id, "b").status()).isEqualTo(NodeStatus.WAITING);
    }

    @Test
    void aLateSubscriberHearsOfOrphansOnlyIfItAsks() {
        var id = repository.startRun(graph(List.of(node("a"), node("b")))).id();
        var lost = claim(id, "a");
        orphanAndAwait(id, "a", lost);

        var readyOnly = subscribe("agent-ready", READY_EVENTS);
        var both = subscribe("agent-both", ALL_EVENTS);
        both.awaitOrphaned(id, "a");
        both.awaitReady(id, "b");
        readyOnly.awaitReady(id, "b");
        // A later event as a marker: everything readyOnly was sent before it has arrived by then.
        var marker = repository.startRun(graph(List.of(node("m")))).id();
        readyOnly.awaitReady(marker, "m");
        assertThat(readyOnly.received()).extracting(Event::type).containsOnly(Event.Type.NODE_READY);
    }

    // ---------------------------------------------------------------------------------------------
    // 5. ListRuns, Stats, ListAgents, Inspect
    // ---------------------------------------------------------------------------------------------

    @Test
    void listRunsIsNewestFirstAndHonoursTheLimit() {
        var ids = startRuns(5);
        var newestFirst = reversed(ids);

        assertThat(repository.listRuns(RunQuery.ALL)).extracting(Run::id).containsExactlyElementsOf(newestFirst);
        assertThat(repository.listRuns(RunQuery.limit(2)))
                .extracting(Run::id)
                .containsExactlyElementsOf(newestFirst.subList(0, 2));
        assertThat(repository.listRuns(RunQuery.limit(50))).extracting(Run::id).containsExactlyElementsOf(newestFirst);
        var listed = repository.listRuns(RunQuery.ALL);
        for (int i = 1; i < listed.size(); i++) {
            assertThat(listed.get(i).createdAt()).isBefore(listed.get(i - 1).createdAt());
        }
    }

    @Test
    void listRunsStartBoundsTheNewestEndInclusively() {
        var ids = startRuns(5);
        long third = createdNs(ids.get(2));
        assertThat(repository.listRuns(new RunQuery(third, 0, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(2), ids.get(1), ids.get(0));
        assertThat(repository.listRuns(new RunQuery(third - 1, 0, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(1), ids.get(0));
        assertThat(repository.listRuns(new RunQuery(createdNs(ids.get(0)) - 1, 0, 0)))
                .isEmpty();
    }

    @Test
    void listRunsFinishBoundsTheOldestEndInclusively() {
        var ids = startRuns(5);
        long third = createdNs(ids.get(2));
        assertThat(repository.listRuns(new RunQuery(0, third, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(4), ids.get(3), ids.get(2));
        assertThat(repository.listRuns(new RunQuery(0, third + 1, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(4), ids.get(3));
        assertThat(repository.listRuns(new RunQuery(0, createdNs(ids.get(4)) + 1, 0)))
                .isEmpty();
    }

    @Test
    void listRunsWithStartFinishAndLimitTogether() {
        var ids = startRuns(6);
        long start = createdNs(ids.get(4));
        long finish = createdNs(ids.get(1));
        assertThat(repository.listRuns(new RunQuery(start, finish, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(4), ids.get(3), ids.get(2), ids.get(1));
        assertThat(repository.listRuns(new RunQuery(start, finish, 2)))
                .extracting(Run::id)
                .containsExactly(ids.get(4), ids.get(3));
        assertThat(repository.listRuns(new RunQuery(start, start, 5)))
                .extracting(Run::id)
                .containsExactly(ids.get(4));
        assertThat(repository.listRuns(new RunQuery(finish, start, 5)))
                .as("start older than finish")
                .isEmpty();
    }

    @Test
    void statsCountRunsAndNodesByStatusAfterAMixedWorkload() {
        assertThat(repository.stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));

        repository.startRun(sevenNodeDag()); // a, b ready; five waiting
        var failed = repository.startRun(graph(List.of(node("x")))).id();
        finish(failed, "x", Result.fail("no"), claim(failed, "x")); // one completed
        var orphaned = repository.startRun(graph(List.of(node("o")))).id();
        orphanAndAwait(orphaned, "o", claim(orphaned, "o")); // one orphaned
        var running = repository.startRun(graph("p->q")).id();
        var p = claim(running, "p"); // one running, one waiting

        eventually(() -> assertThat(repository.stats()).isEqualTo(new Stats(4, new Stats.NodeCounts(6, 2, 1, 1, 1))));

        finish(running, "p", Result.success(""), p);
        var recovery = repository.claimNode(orphaned, "o", newClaim());
        finish(
                orphaned,
                "o",
                Result.error(Protocol.ORPHANED_OUTPUT),
                recovery.node().claim());
        assertThat(repository.stats()).isEqualTo(new Stats(4, new Stats.NodeCounts(5, 3, 0, 3, 0)));
    }

    @Test
    void listAgentsFollowsSubscribeAndUnsubscribe() {
        assertThat(repository.listAgents()).isEmpty();
        var first = subscribe("agent-one", READY_EVENTS);
        eventually(() ->
                assertThat(repository.listAgents()).containsExactly(new Agent("agent-one", List.of("debug", "exec"))));
        var second = subscribe("agent-two", ALL_EVENTS);
        eventually(() -> assertThat(repository.listAgents())
                .extracting(Agent::id)
                .containsExactlyInAnyOrder("agent-one", "agent-two"));

        first.subscription().close();
        eventually(
                () -> assertThat(repository.listAgents()).extracting(Agent::id).containsExactly("agent-two"));
        second.subscription().close();
        eventually(() -> assertThat(repository.listAgents()).isEmpty());
    }

    @Test
    void aNewSubscriberIsToldOfEveryNodeReadyNow() {
        var first = repository.startRun(sevenNodeDag()).id();
        finish(first, "a", Result.success(""), claim(first, "a"));
        claim(first, "b"); // running: not ready any more
        var second = repository.startRun(graph("x->y")).id();

        var inbox = subscribe("agent-late", READY_EVENTS);
        inbox.awaitReady(first, "c");
        inbox.awaitReady(second, "x");
        // New readiness after subscribing arrives too.
        finish(second, "x", Result.success(""), claim(second, "x"));
        inbox.awaitReady(second, "y");
        assertThat(inbox.nodes(Event.Type.NODE_READY, first)).doesNotContain("d", "e", "f", "g");
    }

    // ---------------------------------------------------------------------------------------------
    // 6. A rejected spec changes nothing
    // ---------------------------------------------------------------------------------------------

    @Test
    void aRejectedSpecChangesNothingAndNamesEveryProblem() {
        var inbox = subscribe("agent-1", ALL_EVENTS);
        var statsBefore = repository.stats();
        var bad = graph(List.of(node("a"), node("b"), node("c"), node("a")), "a->b", "b->c", "c->b", "a->ghost");

        assertThatThrownBy(() -> repository.startRun(bad))
                .isInstanceOfSatisfying(
                        RepositoryException.InvalidSpec.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p).contains("\"a\"").contains("duplicate"))
                                .anySatisfy(p -> assertThat(p).contains("ghost"))
                                .anySatisfy(p ->
                                        assertThat(p).contains("cycle").containsAnyOf("b -> c -> b", "c -> b -> c")));
        assertThatThrownBy(() -> repository.startRun(new GraphSpec(List.of(), List.of())))
                .isInstanceOf(RepositoryException.InvalidSpec.class);

        assertThat(repository.stats()).isEqualTo(statsBefore);
        assertThat(repository.listRuns(RunQuery.ALL)).isEmpty();
        // Events arrive in order: once the marker's event is in, nothing from the rejected spec came.
        var marker = repository.startRun(graph(List.of(node("m")))).id();
        inbox.awaitReady(marker, "m");
        assertThat(inbox.received()).extracting(Event::runId).containsOnly(marker);
        assertThat(repository.stats().runCount()).isEqualTo(statsBefore.runCount() + 1);
    }

    // ---------------------------------------------------------------------------------------------
    // 7. A subscriber that never reads
    // ---------------------------------------------------------------------------------------------

    @Test
    void aSubscriberThatNeverReadsStallsNeitherTheRepositoryNorOthers() {
        var sleeper = subscribe("agent-asleep", ALL_EVENTS);
        var awake = subscribe("agent-awake", READY_EVENTS);
        int runs = 30;
        var ids = new ArrayList<String>();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int i = 0; i < runs; i++) {
                var id = repository.startRun(sevenNodeDag()).id();
                ids.add(id);
                driveToCompletion(id);
            }
        });
        for (var id : ids) {
            assertThat(repository.inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
            awake.awaitReady(id, "a", "b", "c", "d", "e", "f", "g");
        }
        // The sleeper was sent everything as well; it simply has not read it.
        eventually(() -> assertThat(sleeper.subscription().pending()).isGreaterThan(0));
        assertThat(sleeper.subscription().isClosed()).isFalse();
    }

    // ---------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------

    /** Subscribes an agent with the debug and exec runtimes; closed after the test. */
    protected final Inbox subscribe(String agentId, Set<Event.Type> types) {
        var subscription = repository.subscribe(new Agent(agentId, List.of("debug", "exec")), types);
        subscriptions.add(subscription);
        return new Inbox(subscription, DEADLINE);
    }

    protected static Claim newClaim() {
        return new Claim("claim-" + UUID.randomUUID());
    }

    /** Claims the node with a new claim, which must win. */
    protected final Claim claim(String runId, String node) {
        var claim = newClaim();
        ClaimResult result = repository.claimNode(runId, node, claim);
        assertThat(result.claimed()).as("claim of %s won", node).isTrue();
        assertThat(result.orphanRecovery()).isFalse();
        assertThat(result.node().status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(result.node().claim().id()).isEqualTo(claim.id());
        assertThat(result.node().startedAt()).isNotNull();
        return claim;
    }

    protected final Node finish(String runId, String node, Result result, Claim claim) {
        return repository.finishNode(runId, node, result, claim);
    }

    protected final Node inspectNode(String runId, String name) {
        return repository.inspectRun(runId).node(name).orElseThrow();
    }

    private void orphanAndAwait(String runId, String node, Claim claim) {
        orphan(repository, runId, node, claim);
        eventually(() -> assertThat(inspectNode(runId, node).status())
                .as("%s orphaned", node)
                .isEqualTo(NodeStatus.NONE));
    }

    private void assertNotReady(String runId, String... nodes) {
        for (var n : nodes) {
            assertThatThrownBy(() -> repository.claimNode(runId, n, newClaim()))
                    .as("claim of %s", n)
                    .isInstanceOf(RepositoryException.NotReady.class)
                    .hasMessageContaining(n);
            assertThat(inspectNode(runId, n).status()).isEqualTo(NodeStatus.WAITING);
            assertThat(inspectNode(runId, n).claim()).isNull();
        }
    }

    private void assertStatuses(String runId, Map<String, NodeStatus> expected) {
        var actual = new HashMap<String, NodeStatus>();
        repository.inspectRun(runId).nodes().forEach(n -> actual.put(n.name(), n.status()));
        assertThat(actual).isEqualTo(expected);
    }

    private void assertInputs(String runId, String node, Map<String, String> expected) {
        assertThat(text(inspectNode(runId, node).inputs()))
                .as("inputs of %s", node)
                .isEqualTo(expected);
    }

    private static Map<String, String> text(Map<String, byte[]> inputs) {
        var out = new HashMap<String, String>();
        inputs.forEach((k, v) -> out.put(k, new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    /** Claims and succeeds ready nodes until the run is complete, as one agent would. */
    private void driveToCompletion(String runId) {
        for (int guard = 0; guard < 1000; guard++) {
            var run = repository.inspectRun(runId);
            if (run.status() == RunStatus.COMPLETED) {
                return;
            }
            for (var n : run.nodes()) {
                if (n.status() == NodeStatus.READY) {
                    var claim = newClaim();
                    if (repository.claimNode(runId, n.name(), claim).claimed()) {
                        repository.finishNode(runId, n.name(), Result.success(n.name()), claim);
                    }
                }
            }
        }
        throw new AssertionError("run " + runId + " did not complete");
    }

    private List<String> startRuns(int count) {
        var ids = new ArrayList<String>();
        for (int i = 0; i < count; i++) {
            ids.add(repository.startRun(graph(List.of(node("only")))).id());
        }
        return ids;
    }

    private long createdNs(String runId) {
        return Timestamps.toNanos(repository.inspectRun(runId).createdAt());
    }

    private static List<String> reversed(List<String> list) {
        var copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }

    protected static void eventually(ThrowingRunnable assertion) {
        waiting().untilAsserted(assertion);
    }

    private static ConditionFactory waiting() {
        return Awaitility.await().atMost(DEADLINE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }
}
