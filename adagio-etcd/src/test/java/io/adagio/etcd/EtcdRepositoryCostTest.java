package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.Subscription;
import io.adagio.testkit.etcd.EtcdExtension;
import io.adagio.testkit.grpc.RequestCounter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The etcd backend's cost rules, checked by counting the requests the repository sends to etcd.
 * Reads of a node prefix (a run's nodes) are counted apart: claims, finishes and events must never
 * need one. Counts only: how fast etcd answers is the benchmark's business (bin/adagio-bench).
 */
class EtcdRepositoryCostTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (var c : toClose.reversed()) {
            c.close();
        }
    }

    private record Counted(EtcdRepository repository, RequestCounter counter, EtcdSettings settings) {}

    /** The requests that work causes: reads and writes, leases granted and revoked, watches made. */
    private static final List<String> WORK = List.of(
            "KV/Range", "KV/Txn", "KV/Put", "KV/DeleteRange", "Lease/LeaseGrant", "Lease/LeaseRevoke", "Watch/Watch");

    /** Requests since the snapshot, but the heartbeats (which come with time, not with work). */
    private static long requests(RequestCounter.Snapshot snapshot) {
        return snapshot.since(WORK);
    }

    private Counted counted() {
        var ns = "cost-" + UUID.randomUUID();
        var counter = new RequestCounter(new NodeRangeReads(ns));
        var settings = EtcdSettings.of(ETCD.endpoints()).withNamespace(ns);
        var repository = EtcdRepository.connect(settings, counter);
        toClose.add(repository);
        return new Counted(repository, counter, settings);
    }

    /** Layers of five nodes, each node after two of the layer before: every node has degree <= 4. */
    static GraphSpec layered(int nodes) {
        int width = 5;
        var specs = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        for (int i = 0; i < nodes; i++) {
            specs.add(new NodeSpec("n" + i, "debug"));
            if (i >= width) {
                int layerStart = (i / width - 1) * width;
                int col = i % width;
                edges.add(new Edge("n" + (layerStart + col), "n" + i));
                edges.add(new Edge("n" + (layerStart + (col + 1) % width), "n" + i));
            }
        }
        return new GraphSpec(specs, edges);
    }

    static GraphSpec fanOut(int children) {
        var specs = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        specs.add(new NodeSpec("root", "debug"));
        for (int i = 0; i < children; i++) {
            specs.add(new NodeSpec("c" + i, "debug"));
            edges.add(new Edge("root", "c" + i));
        }
        return new GraphSpec(specs, edges);
    }

    /** Executes every node of the run as one agent would: on each NODE_READY, claim and succeed. */
    static void execute(EtcdRepository repository, Subscription subscription, String runId, int nodes)
            throws InterruptedException {
        int done = 0;
        while (done < nodes) {
            var event = subscription.poll(Duration.ofSeconds(30)).orElseThrow(() -> new AssertionError("no event"));
            if (!event.runId().equals(runId)) {
                continue;
            }
            var claim = new Claim(UUID.randomUUID().toString());
            if (repository.claimNode(runId, event.node().name(), claim).claimed()) {
                repository.finishNode(runId, event.node().name(), Result.success("out"), claim);
                done++;
            } else {
                System.out.println("lost claim on " + event.node().name());
            }
        }
    }

    private double requestsPerExecutedNode(int nodes) throws InterruptedException {
        var c = counted();
        var subscription =
                c.repository().subscribe(new Agent("cost-agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
        var before = c.counter().snapshot();
        var run = c.repository().startRun(layered(nodes));
        execute(c.repository(), subscription, run.id(), nodes);
        var delta = before.delta();
        assertThat(before.marked())
                .as("full-run reads during start, claims, finishes and events")
                .isZero();
        assertThat(c.repository().inspectRun(run.id()).status()).isEqualTo(RunStatus.COMPLETED);
        double perNode = (double) requests(before) / nodes;
        System.out.printf(
                "run of %d nodes: %d requests (%s), %.2f per node%n", nodes, requests(before), delta, perNode);
        return perNode;
    }

    @Test
    void requestsPerExecutedNodeStayUnderOneBoundWhateverTheRunSize() throws InterruptedException {
        // claim = one txn (the record came with the event, the downstream records come back with
        // the claim), finish = one txn; a finish whose downstream changed since the claim (another
        // upstream delivered) is computed again from what its failed txn returned: one more.
        for (int nodes : new int[] {10, 1000}) {
            assertThat(requestsPerExecutedNode(nodes))
                    .as("requests per node of a %d-node run", nodes)
                    .isLessThanOrEqualTo(2.8);
        }
    }

    @Test
    void claimAndFinishCostAConstantNumberOfRequestsWhateverTheRunSize() {
        var c = counted();
        c.repository().claimNode(c.repository().startRun(fanOut(1)).id(), "root", new Claim("warm-up-lease"));
        for (int size : new int[] {1, 20, 50}) {
            var run = c.repository().startRun(fanOut(size));
            var claim = new Claim(UUID.randomUUID().toString());
            var atClaim = c.counter().snapshot();
            assertThat(c.repository().claimNode(run.id(), "root", claim).claimed())
                    .isTrue();
            assertThat(requests(atClaim))
                    .as("requests of a claim (%s)", atClaim.delta())
                    .isEqualTo(2);
            var atFinish = c.counter().snapshot();
            c.repository().finishNode(run.id(), "root", Result.success("x"), claim);
            // One transaction, the downstream records having come back with the claim; above
            // MAX_PREFETCH of them, one batched read of them first, whatever the degree (up to what
            // one etcd transaction holds).
            assertThat(requests(atFinish))
                    .as("requests of a finish with %d downstream (%s)", size, atFinish.delta())
                    .isEqualTo(size <= 16 ? 1 : 2);
            assertThat(atClaim.marked()).isZero();
            // A leaf finishes without any read: the record committed by the claim is reused.
            var leaf = new Claim(UUID.randomUUID().toString());
            c.repository().claimNode(run.id(), "c0", leaf);
            var atLeaf = c.counter().snapshot();
            c.repository().finishNode(run.id(), "c0", Result.success("x"), leaf);
            assertThat(requests(atLeaf))
                    .as("requests of a leaf's finish (%s)", atLeaf.delta())
                    .isEqualTo(1);
        }
    }

    /*
     * The upstream nodes of a wide fan-in finish at a constant cost each, whatever the fan-in: each
     * hands its output over under its own key (no rewrite of the sink's record, which would grow
     * with every input and serialise the finishes), and the last one makes the sink READY.
     */

    /**
     * A big output is stored apart, yet a node handed it is still claimed in one request (the claim
     * reads the value in its own transaction) and finished in one (the value its claim read is the
     * finish's answer).
     */
    @Test
    void aNodeHandedABigOutputIsClaimedInOneRequestAndFinishedInOne() throws InterruptedException {
        var c = counted();
        var subscription =
                c.repository().subscribe(new Agent("cost-agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
        var run = c.repository().startRun(fanOut(1));
        assertThat(subscription.poll(Duration.ofSeconds(30))).isPresent();
        var big = "big output ".repeat(50_000).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var claim = new Claim(UUID.randomUUID().toString());
        assertThat(c.repository().claimNode(run.id(), "root", claim).claimed()).isTrue();
        c.repository()
                .finishNode(
                        run.id(), "root", new Result(io.adagio.core.model.Conclusion.SUCCESS, Map.of(), big), claim);
        assertThat(subscription.poll(Duration.ofSeconds(30)))
                .hasValueSatisfying(e -> assertThat(e.node().name()).isEqualTo("c0"));

        var child = new Claim(UUID.randomUUID().toString());
        var atClaim = c.counter().snapshot();
        var claimed = c.repository().claimNode(run.id(), "c0", child);
        assertThat(requests(atClaim))
                .as("requests of a claim of a node handed a big output (%s)", atClaim.delta())
                .isEqualTo(1);
        assertThat(claimed.node().inputs().get("root")).isEqualTo(big);
        var atFinish = c.counter().snapshot();
        var finished = c.repository().finishNode(run.id(), "c0", Result.success("done"), child);
        assertThat(requests(atFinish))
                .as("requests of its finish (%s)", atFinish.delta())
                .isEqualTo(1);
        assertThat(finished.inputs().get("root")).isEqualTo(big);
    }

    /**
     * A node announced by an event is claimed in one request: its index entry carried its record,
     * and the claim's commit compares that record's revision instead of reading it first. A stale
     * copy costs the retry only: the failed commit returns the current record.
     */
    @Test
    void aNodeHeardOfIsClaimedInOneRequest() throws InterruptedException {
        var c = counted();
        var subscription =
                c.repository().subscribe(new Agent("cost-agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
        var run = c.repository().startRun(fanOut(3));
        assertThat(subscription.poll(Duration.ofSeconds(30)))
                .hasValueSatisfying(e -> assertThat(e.node().name()).isEqualTo("root"));
        var claim = new Claim(UUID.randomUUID().toString());
        var atClaim = c.counter().snapshot();
        assertThat(c.repository().claimNode(run.id(), "root", claim).claimed()).isTrue();
        assertThat(requests(atClaim))
                .as("requests of a claim of a node heard of (%s)", atClaim.delta())
                .isEqualTo(1);
        var atFinish = c.counter().snapshot();
        c.repository().finishNode(run.id(), "root", Result.success("x"), claim);
        assertThat(requests(atFinish))
                .as("requests of its finish (%s)", atFinish.delta())
                .isEqualTo(1);

        // Another process claims c0 after its event was heard here: the claim made with the stale
        // copy loses in one request, as a claim that read first would.
        var events = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            events.add(subscription
                    .poll(Duration.ofSeconds(30))
                    .orElseThrow()
                    .node()
                    .name());
        }
        assertThat(events).containsExactlyInAnyOrder("c0", "c1", "c2");
        var other = EtcdRepository.connect(c.settings());
        toClose.add(other);
        assertThat(other.claimNode(run.id(), "c0", new Claim("elsewhere")).claimed())
                .isTrue();
        var atLost = c.counter().snapshot();
        assertThat(c.repository()
                        .claimNode(run.id(), "c0", new Claim(UUID.randomUUID().toString()))
                        .claimed())
                .isFalse();
        assertThat(requests(atLost))
                .as("requests of a claim lost with a stale copy (%s)", atLost.delta())
                .isEqualTo(1);
    }

    /**
     * A retry waiting out its backoff costs nothing to try before it is due (the record that came
     * with its ready event says when), and is claimed in one request when it is.
     */
    @Test
    void aRetryWaitingOutItsBackoffIsClaimedInOneRequestWhenDue() throws InterruptedException {
        var ns = "cost-" + UUID.randomUUID();
        var counter = new RequestCounter(new NodeRangeReads(ns));
        var clock = new io.adagio.conformance.TestClock();
        var r = EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(ns), clock, counter);
        toClose.add(r);
        var subscription = r.subscribe(new Agent("cost-agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
        var backoff = io.adagio.core.model.RetryRule.Backoff.of(Duration.ofMinutes(5));
        var run = r.startRun(
                io.adagio.conformance.Graphs.graph(List.of(io.adagio.conformance.Graphs.node("a", 2, 0, backoff))));
        assertThat(subscription.poll(Duration.ofSeconds(30))).isPresent();
        var first = new Claim(UUID.randomUUID().toString());
        r.claimNode(run.id(), "a", first);
        r.finishNode(run.id(), "a", Result.fail("1"), first);
        var retry = subscription.poll(Duration.ofSeconds(30)).orElseThrow();
        assertThat(retry.notBefore()).isNotNull();

        var early = counter.snapshot();
        assertThat(r.claimNode(run.id(), "a", new Claim(UUID.randomUUID().toString()))
                        .claimed())
                .isFalse();
        assertThat(requests(early)).as("requests of a claim before it is due").isZero();
        clock.advance(Duration.ofMinutes(5));
        var due = counter.snapshot();
        assertThat(r.claimNode(run.id(), "a", new Claim(UUID.randomUUID().toString()))
                        .claimed())
                .isTrue();
        assertThat(requests(due))
                .as("requests of the claim when due (%s)", due.delta())
                .isEqualTo(1);
    }

    /**
     * A finish with a retry left does not touch its downstream nodes, so it does not compare the
     * records its claim read of them either: another upstream changing them meanwhile costs nothing.
     */
    @Test
    void aFailureWithARetryLeftIgnoresDownstreamChangesSinceItsClaim() {
        var c = counted();
        var run = c.repository()
                .startRun(io.adagio.conformance.Graphs.graph(
                        List.of(
                                io.adagio.conformance.Graphs.node("a", 2, 0),
                                io.adagio.conformance.Graphs.node("b"),
                                io.adagio.conformance.Graphs.node("c")),
                        "a->c",
                        "b->c"));
        var a = new Claim(UUID.randomUUID().toString());
        assertThat(c.repository().claimNode(run.id(), "a", a).claimed()).isTrue();
        var b = new Claim(UUID.randomUUID().toString());
        c.repository().claimNode(run.id(), "b", b);
        c.repository().finishNode(run.id(), "b", Result.success("b"), b); // c's record changes

        var atFinish = c.counter().snapshot();
        c.repository().finishNode(run.id(), "a", Result.fail("once"), a);
        assertThat(requests(atFinish))
                .as("requests of a's failure (%s)", atFinish.delta())
                .isEqualTo(1);
        assertThat(c.repository().inspectRun(run.id()).node("a").orElseThrow().status())
                .isEqualTo(NodeStatus.READY);
    }

    @Test
    void eachUpstreamOfAWideFanInFinishesAtAConstantCost() {
        var c = counted();
        for (int width : new int[] {20, 200}) {
            var run = c.repository().startRun(EtcdBigAndConcurrentTest.fanOutFanIn(width));
            var root = new Claim(UUID.randomUUID().toString());
            c.repository().claimNode(run.id(), "root", root);
            c.repository().finishNode(run.id(), "root", Result.success("go"), root);
            long maxFinish = 0;
            for (int i = 0; i < width; i++) {
                var claim = new Claim(UUID.randomUUID().toString());
                c.repository().claimNode(run.id(), "m" + i, claim);
                var atFinish = c.counter().snapshot();
                c.repository().finishNode(run.id(), "m" + i, Result.success("out-" + i), claim);
                if (i < width - 1) {
                    // one txn: the sink's record came back with the claim, its inputs are counted in the txn
                    assertThat(requests(atFinish))
                            .as("requests of upstream finish %d of %d (%s)", i, width, atFinish.delta())
                            .isEqualTo(1);
                }
                maxFinish = Math.max(maxFinish, requests(atFinish));
                assertThat(atFinish.marked()).isZero();
                if (i == width / 2) {
                    var sink = c.repository().inspectRun(run.id()).node("sink").orElseThrow();
                    assertThat(sink.status()).isEqualTo(NodeStatus.WAITING);
                    assertThat(sink.inputs()).hasSize(i + 1);
                }
            }
            // The last one also reads the sink's inputs and promotes it: two more requests.
            assertThat(maxFinish).as("requests of the last upstream finish").isEqualTo(3);
            var claim = new Claim(UUID.randomUUID().toString());
            var claimed = c.repository().claimNode(run.id(), "sink", claim);
            assertThat(claimed.claimed()).isTrue();
            assertThat(claimed.node().inputs()).hasSize(width);
            assertThat(new String(claimed.node().inputs().get("m7"), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo("out-7");
        }
    }

    @Test
    void inspectReadsARunInABoundedNumberOfRanges() {
        var c = counted();
        for (int size : new int[] {10, 1000}) {
            var run = c.repository().startRun(layered(size));
            var before = c.counter().snapshot();
            var inspected = c.repository().inspectRun(run.id());
            assertThat(inspected.nodes()).hasSize(size);
            assertThat(inspected.edges()).isEqualTo(run.edges());
            assertThat(requests(before))
                    .as("requests of Inspect on %d nodes (%s)", size, before.delta())
                    .isEqualTo(1);
        }
    }

    @Test
    void statsReadsCountersNotNodes() {
        var c = counted();
        var run = c.repository().startRun(layered(1000));
        var claim = new Claim("c");
        c.repository().claimNode(run.id(), "n0", claim);
        var before = c.counter().snapshot();
        var stats = c.repository().stats();
        assertThat(requests(before)).isEqualTo(1);
        assertThat(before.marked()).isZero();
        assertThat(stats.runCount()).isEqualTo(1);
        assertThat(stats.nodeCounts().waiting()).isEqualTo(995);
        assertThat(stats.nodeCounts().ready()).isEqualTo(4);
        assertThat(stats.nodeCounts().running()).isEqualTo(1);
    }

    @Test
    void oneLeasePerRepositoryInstanceWhateverTheClaims() throws InterruptedException {
        var c = counted();
        var subscription =
                c.repository().subscribe(new Agent("lease-agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
        var run = c.repository().startRun(layered(50));
        execute(c.repository(), subscription, run.id(), 50);
        assertThat(c.counter().count("Lease/LeaseGrant")).isEqualTo(1);
    }

    @Test
    void eventsArriveByWatchWithoutAnyRequestOfTheSubscriber() throws InterruptedException {
        var c = counted();
        var subscription =
                c.repository().subscribe(new Agent("watcher", List.of("debug")), EnumSet.allOf(Event.Type.class));
        try (var other = EtcdRepository.connect(c.settings())) {
            var idle = c.counter().snapshot();
            var run = other.startRun(fanOut(3));
            var event = subscription.poll(Duration.ofSeconds(30)).orElseThrow();
            assertThat(event.runId()).isEqualTo(run.id());
            // Stay quiet for a while: no polling of any kind.
            Awaitility.await()
                    .during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> requests(idle) == 0);
            assertThat(requests(idle))
                    .as("requests of the subscriber (%s)", idle.delta())
                    .isZero();
        }
    }
}
