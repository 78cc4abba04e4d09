package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.testkit.etcd.EtcdExtension;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transitions bigger than one etcd transaction (etcd's default --max-txn-ops of 128), and many
 * repository instances racing for the same nodes.
 */
class EtcdBigAndConcurrentTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private EtcdTestScope scope;
    private String namespace;
    private RawEtcd raw;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("big", ETCD.endpoints());
        namespace = scope.namespace;
        raw = scope.raw;
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private EtcdRepository repository() {
        var r = EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(namespace));
        scope.closeLater(r);
        return r;
    }

    static GraphSpec fanOutFanIn(int width) {
        var specs = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        specs.add(new NodeSpec("root", "debug"));
        specs.add(new NodeSpec("sink", "debug"));
        for (int i = 0; i < width; i++) {
            specs.add(new NodeSpec("m" + i, "debug"));
            edges.add(new Edge("root", "m" + i));
            edges.add(new Edge("m" + i, "sink"));
        }
        return new GraphSpec(specs, edges);
    }

    @Test
    void aFanOutWiderThanOneTransactionMakesEveryChildReadyAtOnce() throws Exception {
        var r = repository();
        var subscription = r.subscribe(new Agent("agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
        var run = r.startRun(fanOutFanIn(300));
        EtcdRepositoryCostTest.execute(r, subscription, run.id(), 302);

        var done = r.inspectRun(run.id());
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.node("sink").orElseThrow().inputs()).hasSize(300);
        assertThat(raw.keys(namespace + "/journal"))
                .as("no journal left behind")
                .isEmpty();
        var stats = r.stats();
        assertThat(stats.nodeCounts().completed()).isEqualTo(302);
        assertThat(stats.nodeCounts().total()).isEqualTo(302);
    }

    /**
     * A transition too big for one transaction is applied by the instance that decided it; claims
     * that meet its journal meanwhile wait for it rather than apply it again, which would announce
     * every node it makes READY once more per waiting claim.
     */
    @Test
    void claimsThatMeetABigFinishHalfAppliedWaitAndEveryNodeIsAnnouncedOnce() throws Exception {
        // Small transactions: the root's finish is applied in 67 chunks, so claims meet its journal.
        var r = EtcdRepository.connect(
                EtcdSettings.of(ETCD.endpoints()).withNamespace(namespace).withMaxTxnOps(16));
        scope.closeLater(r);
        var subscription = r.subscribe(new Agent("agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
        var run = r.startRun(fanOutFanIn(400));
        var announced = new ConcurrentHashMap<String, AtomicInteger>();
        var finished = new AtomicInteger();
        try (var claimers = Executors.newFixedThreadPool(8)) {
            var futures = new ArrayList<java.util.concurrent.Future<?>>();
            for (int t = 0; t < 8; t++) {
                futures.add(claimers.submit(() -> {
                    while (finished.get() < 402) {
                        var event = subscription.poll(java.time.Duration.ofMillis(100));
                        if (event.isEmpty()) {
                            continue;
                        }
                        var node = event.get().node().name();
                        announced
                                .computeIfAbsent(node, k -> new AtomicInteger())
                                .incrementAndGet();
                        var claim = new Claim(UUID.randomUUID().toString());
                        if (r.claimNode(run.id(), node, claim).claimed()) {
                            r.finishNode(run.id(), node, Result.success(node), claim);
                            finished.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (var f : futures) {
                f.get();
            }
        }
        // Events arrive in revision order: once a later run's root is announced, every earlier one was.
        var marker = r.startRun(fanOutFanIn(1));
        while (true) {
            var event = subscription.poll(java.time.Duration.ofSeconds(30)).orElseThrow();
            if (event.runId().equals(marker.id())) {
                break;
            }
            announced
                    .computeIfAbsent(event.node().name(), k -> new AtomicInteger())
                    .incrementAndGet();
        }
        assertThat(announced).hasSize(402);
        assertThat(announced)
                .allSatisfy((node, times) ->
                        assertThat(times.get()).as("announcements of %s", node).isEqualTo(1));
        assertThat(r.inspectRun(run.id()).status()).isEqualTo(RunStatus.COMPLETED);
    }

    /**
     * A wide fan-in node is made READY after the commit of its last upstream's finish; should that
     * process die in between, the node has every input key but is still WAITING. Inspect shows it so,
     * with every input, and writes nothing: the sweep of an agent process promotes it. Here the
     * deliveries are counted the way a release before the tally's shards counted them, on one key.
     */
    @Test
    void aWideFanInWhosePromotionWasCutShortIsShownWaitingByInspectAndPromotedByTheSweep() {
        var r = repository();
        int width = EtcdStorage.WIDE_FAN_IN + 2;
        var run = r.startRun(fanOutFanIn(width));
        // What the upstream finishes leave behind when the last finisher dies before promoting.
        for (int i = 0; i < width; i++) {
            raw.put(namespace + "/inputs/" + run.id() + "/sink/m" + i, "out-" + i);
            raw.put(namespace + "/tally/" + run.id() + "/sink", tally(width));
        }
        long revision = raw.revision();
        var sink = r.inspectRun(run.id()).node("sink").orElseThrow();
        assertThat(sink.status()).isEqualTo(NodeStatus.WAITING);
        assertThat(sink.inputs()).hasSize(width);
        assertThat(raw.revision()).as("Inspect wrote nothing").isEqualTo(revision);

        r.sweeper.sweep();
        sink = r.inspectRun(run.id()).node("sink").orElseThrow();
        assertThat(sink.status()).isEqualTo(NodeStatus.READY);
        assertThat(sink.inputs()).hasSize(width);
        assertThat(raw.keys(namespace + "/ready/" + run.id() + "/sink")).hasSize(1);
        assertThat(raw.keys(namespace + "/tally/")).isEmpty();
        assertThat(r.stats().nodeCounts().ready()).isEqualTo(2); // root and sink
    }

    /**
     * The same cut-short promotion, found without anyone inspecting the run: an agent process
     * promotes it (when it subscribes, as one starting or reconnecting does, or at its next periodic
     * sweep), and it is announced.
     */
    @Test
    void aWideFanInWhosePromotionWasCutShortIsPromotedByAnAgentWithoutAnyoneInspecting() throws InterruptedException {
        var r = repository();
        int width = EtcdStorage.WIDE_FAN_IN + 2;
        var run = r.startRun(fanOutFanIn(width));
        // Every delivery's input key and tally shard put, as committed finishes leave them; no promotion.
        for (int i = 0; i < width; i++) {
            raw.put(namespace + "/inputs/" + run.id() + "/sink/m" + i, "out-" + i);
            raw.put(
                    namespace + "/tally/" + run.id() + "/sink/"
                            + Math.floorMod(("m" + i).hashCode(), Keys.TALLY_SHARDS),
                    tally(width));
        }
        var agent = repository();
        var subscription = agent.subscribe(new Agent("agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));

        var announced = new ArrayList<String>();
        while (!announced.contains("sink")) {
            announced.add(subscription
                    .poll(java.time.Duration.ofSeconds(30))
                    .orElseThrow()
                    .node()
                    .name());
        }
        var sink = agent.inspectRun(run.id()).node("sink").orElseThrow();
        assertThat(sink.status()).isEqualTo(NodeStatus.READY);
        assertThat(sink.inputs()).hasSize(width);
        assertThat(raw.keys(namespace + "/tally/"))
                .as("a promoted node's tally is gone")
                .isEmpty();
        assertThat(agent.fanIns.promoteStuck()).as("nothing left to promote").isZero();
    }

    /**
     * A release before the tally's shards counted deliveries on one key; after an upgrade in the
     * middle of a fan-in, the finishes that deliver the rest count on shards. The one that completes
     * the node counts both, and promotes it.
     */
    @Test
    void aWideFanInHalfCountedByAnEarlierReleaseIsPromotedByTheFinishThatCompletesIt() {
        var r = repository();
        int width = EtcdStorage.WIDE_FAN_IN + 4;
        var run = startedPastItsRoot(r, width);
        for (int i = 0; i < width / 2; i++) {
            raw.put(namespace + "/inputs/" + run.id() + "/sink/m" + i, "out-" + i);
            raw.put(namespace + "/tally/" + run.id() + "/sink", tally(width));
        }
        for (int i = width / 2; i < width; i++) {
            var claim = new Claim("m" + i);
            r.claimNode(run.id(), "m" + i, claim);
            assertThat(r.inspectRun(run.id()).node("sink").orElseThrow().status())
                    .as("before the last delivery")
                    .isEqualTo(NodeStatus.WAITING);
            r.finishNode(run.id(), "m" + i, Result.success("out-" + i), claim);
        }

        var sink = r.inspectRun(run.id()).node("sink").orElseThrow();
        assertThat(sink.status()).isEqualTo(NodeStatus.READY);
        assertThat(sink.inputs()).hasSize(width);
        assertThat(raw.keys(namespace + "/tally/"))
                .as("the promotion deletes both kinds")
                .isEmpty();
    }

    @Test
    void aWideFanInLeftUnreachedLeavesNoTallyBehind() {
        var r = repository();
        int width = EtcdStorage.WIDE_FAN_IN + 2;
        var run = startedPastItsRoot(r, width);
        for (int i = 0; i < width; i++) {
            var claim = new Claim("m" + i);
            r.claimNode(run.id(), "m" + i, claim);
            r.finishNode(run.id(), "m" + i, i == 3 ? Result.fail("broken") : Result.success("out-" + i), claim);
        }

        var sink = r.inspectRun(run.id()).node("sink").orElseThrow();
        assertThat(sink.status()).isEqualTo(NodeStatus.COMPLETED);
        assertThat(sink.attempts()).isEmpty();
        assertThat(raw.keys(namespace + "/tally/")).isEmpty();
    }

    @Test
    void aFailureWhoseUnreachedNodesExceedOneTransactionCompletesThemAll() {
        var r = repository();
        var specs = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        for (int i = 0; i < 200; i++) {
            specs.add(new NodeSpec("c" + i, "debug"));
            if (i > 0) {
                edges.add(new Edge("c" + (i - 1), "c" + i));
            }
        }
        var run = r.startRun(new GraphSpec(specs, edges));
        var claim = new Claim("only");
        r.claimNode(run.id(), "c0", claim);
        r.finishNode(run.id(), "c0", Result.fail("broken"), claim);

        var done = r.inspectRun(run.id());
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.nodes()).allMatch(n -> n.status() == NodeStatus.COMPLETED);
        assertThat(done.node("c0").orElseThrow().attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.FAIL);
        assertThat(done.nodes().subList(1, 200)).allMatch(n -> n.attempts().isEmpty());
        assertThat(r.stats().nodeCounts().completed()).isEqualTo(200);
        assertThat(raw.keys(namespace + "/journal")).isEmpty();
    }

    @Test
    void ofManyInstancesRacingForEveryNodeExactlyOneClaimWinsEach() throws Exception {
        var repositories = List.of(repository(), repository(), repository());
        var run = repositories.getFirst().startRun(fanOutFanIn(60));
        var claimRoot = new Claim("root-claim");
        repositories.getFirst().claimNode(run.id(), "root", claimRoot);
        repositories.getFirst().finishNode(run.id(), "root", Result.success("go"), claimRoot);

        var winners = new ConcurrentHashMap<String, AtomicInteger>();
        try (var pool = Executors.newFixedThreadPool(6)) {
            var futures = new ArrayList<java.util.concurrent.Future<?>>();
            for (int t = 0; t < 6; t++) {
                var r = repositories.get(t % 3);
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 60; i++) {
                        var node = "m" + i;
                        var claim = new Claim(UUID.randomUUID().toString());
                        if (r.claimNode(run.id(), node, claim).claimed()) {
                            winners.computeIfAbsent(node, k -> new AtomicInteger())
                                    .incrementAndGet();
                            r.finishNode(run.id(), node, Result.success(node), claim);
                        }
                    }
                    return null;
                }));
            }
            for (var f : futures) {
                f.get();
            }
        }
        assertThat(winners).hasSize(60);
        assertThat(winners.values()).allMatch(w -> w.get() == 1);
        var sink = repositories.get(1).inspectRun(run.id()).node("sink").orElseThrow();
        assertThat(sink.status()).isEqualTo(NodeStatus.READY);
        assertThat(sink.inputs()).hasSize(60);
        var counts = repositories.get(2).stats().nodeCounts();
        assertThat(Map.of(
                        "completed",
                        counts.completed(),
                        "ready",
                        counts.ready(),
                        "waiting",
                        counts.waiting(),
                        "running",
                        counts.running()))
                .isEqualTo(Map.of("completed", 61L, "ready", 1L, "waiting", 0L, "running", 0L));
    }

    /** A fan-out/fan-in run of {@code width} middle nodes whose root has succeeded. */
    private static io.adagio.core.model.Run startedPastItsRoot(EtcdRepository r, int width) {
        var run = r.startRun(fanOutFanIn(width));
        var root = new Claim("root");
        r.claimNode(run.id(), "root", root);
        r.finishNode(run.id(), "root", Result.success("go"), root);
        return run;
    }

    /** A tally record as a delivery to a node of {@code width} upstream nodes puts it. */
    private static io.adagio.etcd.storage.TallyRecord tally(int width) {
        return io.adagio.etcd.storage.TallyRecord.newBuilder()
                .setFormat(EtcdStorage.FORMAT)
                .setExpected(width)
                .build();
    }
}
