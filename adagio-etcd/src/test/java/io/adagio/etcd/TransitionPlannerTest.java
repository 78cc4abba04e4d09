package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Claim;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.protocol.RunView;
import io.adagio.core.protocol.Step;
import io.adagio.core.protocol.Transition;
import io.adagio.etcd.storage.Downstream;
import io.adagio.etcd.storage.IndexEntry;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.etcd.storage.TallyRecord;
import io.adagio.wire.WireMapping;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What etcd operations each kind of change becomes, without any etcd. */
class TransitionPlannerTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private static final String RUN = "01JX0000000000000000000RUN";
    private static final Keys KEYS = new Keys("ns");
    private static final TransitionPlanner PLANNER = new TransitionPlanner(KEYS);
    private static final long LEASE = 42;

    /** Stored records of a small run, each at its own revision, as a transition would read them. */
    private static final class Stored implements RunView {
        final Map<String, StoredNode> nodes = new LinkedHashMap<>();
        final Map<String, StoredNode> used = new LinkedHashMap<>();

        Stored node(String name, int upstream, List<String> downstream, NodeState state) {
            var record = NodeRecord.newBuilder()
                    .setFormat(EtcdStorage.FORMAT)
                    .setUpstreamCount(upstream)
                    .setSpec(WireMapping.toProto(new NodeSpec(name, "debug")));
            downstream.forEach(d -> record.addDownstream(Downstream.newBuilder().setName(d)));
            var r = EtcdStorage.withState(record.build(), state, "w0");
            nodes.put(name, StoredNode.of(r, 100 + nodes.size()));
            return this;
        }

        @Override
        public String runId() {
            return RUN;
        }

        @Override
        public NodeSpec spec(String node) {
            return use(node).spec();
        }

        @Override
        public List<String> downstream(String node) {
            return use(node).downstream();
        }

        @Override
        public NodeState state(String node) {
            return use(node).state();
        }

        private StoredNode use(String node) {
            used.put(node, nodes.get(node));
            return nodes.get(node);
        }

        TransitionPlanner.Plan plan(Transition.OfNode t, Step step) {
            return PLANNER.plan(
                    RUN, t, step.changes(), used, "w1", t instanceof Transition.ClaimNode ? LEASE : 0, true);
        }
    }

    private static NodeState running(String claimId) {
        return new NodeState(
                io.adagio.core.model.NodeStatus.RUNNING,
                List.of(),
                NOW,
                null,
                Map.of(),
                new Claim(claimId),
                0,
                false,
                io.adagio.core.model.Conclusion.NONE,
                null,
                false,
                0,
                null);
    }

    private static List<String> puts(TransitionPlanner.Plan plan) {
        return plan.writes().stream()
                .filter(w -> w instanceof Txn.Put)
                .map(Txn.Op::key)
                .toList();
    }

    private static List<String> deletes(TransitionPlanner.Plan plan) {
        return plan.writes().stream()
                .filter(w -> w instanceof Txn.Delete)
                .map(Txn.Op::key)
                .toList();
    }

    private static long[] delta(int runs, int waiting, int ready, int running, int completed, int orphaned) {
        return new long[] {runs, waiting, ready, running, completed, orphaned};
    }

    @Test
    void aClaimWritesTheRecordTheRunningEntryAndTheLeasedClaimKeyOnlyOnceTheRunIsComplete() {
        var run = new Stored()
                .node("a", 0, List.of("b"), NodeState.initial(0))
                .node("b", 1, List.of(), NodeState.initial(1));
        var t = new Transition.ClaimNode("a", new Claim("c1"), NOW);
        var plan = run.plan(t, Protocol.apply(run, t));

        assertThat(plan.guards())
                .containsExactly(
                        new Txn.Absent("ns/journal/" + RUN),
                        new Txn.Present("ns/runs/" + RUN),
                        new Txn.Unchanged("ns/nodes/" + RUN + "/a", 100));
        assertThat(puts(plan))
                .containsExactly(
                        "ns/nodes/" + RUN + "/a", "ns/held/running/" + RUN + "/a", "ns/held/claims/" + RUN + "/a");
        assertThat(deletes(plan)).containsExactly("ns/ready/" + RUN + "/a");
        assertThat(plan.writes())
                .filteredOn(w -> w.key().equals("ns/held/claims/" + RUN + "/a"))
                .containsExactly(new Txn.Put(
                        "ns/held/claims/" + RUN + "/a", com.google.protobuf.ByteString.copyFromUtf8("c1"), LEASE));
        assertThat(plan.delta()).containsExactly(delta(0, 0, -1, 1, 0, 0));
        assertThat(plan.primary().getClaim().getId()).isEqualTo("c1");
        assertThat(plan.primary().getLastWrite()).isEqualTo("w1");
        assertThat(plan.tallied()).isEmpty();
    }

    @Test
    void aSuccessRewritesNarrowDownstreamRecordsAndAnnouncesThoseNowReadyWithTheirRecord() {
        var run = new Stored()
                .node("a", 0, List.of("b", "c"), running("c1"))
                .node("b", 1, List.of(), NodeState.initial(1))
                .node("c", 2, List.of(), NodeState.initial(2));
        var t = new Transition.FinishNode("a", Result.success("out"), new Claim("c1"), NOW);
        var plan = run.plan(t, Protocol.apply(run, t));

        assertThat(plan.guards())
                .contains(
                        new Txn.Present("ns/held/claims/" + RUN + "/a"),
                        new Txn.Unchanged("ns/nodes/" + RUN + "/a", 100),
                        new Txn.Unchanged("ns/nodes/" + RUN + "/b", 101),
                        new Txn.Unchanged("ns/nodes/" + RUN + "/c", 102));
        assertThat(puts(plan))
                .containsExactlyInAnyOrder(
                        "ns/nodes/" + RUN + "/a",
                        "ns/nodes/" + RUN + "/b",
                        "ns/ready/" + RUN + "/b",
                        "ns/nodes/" + RUN + "/c");
        assertThat(deletes(plan))
                .containsExactlyInAnyOrder("ns/held/running/" + RUN + "/a", "ns/held/claims/" + RUN + "/a");
        assertThat(plan.delta()).containsExactly(delta(0, -1, 1, -1, 1, 0));
        var ready = plan.writes().stream()
                .filter(w -> w.key().equals("ns/ready/" + RUN + "/b"))
                .map(w -> ((Txn.Put) w).value())
                .findFirst()
                .orElseThrow();
        assertThat(parse(ready).getRecord().getInputs(0).getUpstream())
                .as("the entry carries b's record, with its input")
                .isEqualTo("a");
    }

    @Test
    void aDeliveryToAWideFanInGoesToItsOwnKeyAndTallyAndLeavesTheRecordAlone() {
        int width = EtcdStorage.WIDE_FAN_IN + 1;
        var run = new Stored()
                .node("a", 0, List.of("sink"), running("c1"))
                .node("sink", width, List.of(), NodeState.initial(width));
        var t = new Transition.FinishNode("a", Result.success("out"), new Claim("c1"), NOW);
        var plan = run.plan(t, Protocol.apply(run, t));

        var shard = "ns/tally/" + RUN + "/sink/" + Math.floorMod("a".hashCode(), Keys.TALLY_SHARDS);
        assertThat(puts(plan))
                .containsExactlyInAnyOrder("ns/nodes/" + RUN + "/a", "ns/inputs/" + RUN + "/sink/a", shard);
        assertThat(plan.tallied()).containsExactly("sink");
        assertThat(plan.guards())
                .as("the sink's record is compared, so none delivers to it once it left WAITING")
                .contains(new Txn.Unchanged("ns/nodes/" + RUN + "/sink", 101));
        var tally = plan.writes().stream()
                .filter(w -> w.key().equals(shard))
                .map(w -> ((Txn.Put) w).value())
                .findFirst()
                .orElseThrow();
        assertThat(parseTally(tally).getExpected()).isEqualTo(width);
        assertThat(plan.delta()).containsExactly(delta(0, 0, 0, -1, 1, 0));
    }

    @Test
    void aPromotionWritesTheRecordWithItsInputsAnnouncesItAndDropsItsTally() {
        int width = EtcdStorage.WIDE_FAN_IN + 1;
        var run = new Stored().node("sink", width, List.of(), NodeState.initial(width));
        var inputs = new HashMap<String, byte[]>();
        for (int i = 0; i < width; i++) {
            inputs.put("u" + i, new byte[] {(byte) i});
        }
        var t = new Transition.PromoteNode("sink", inputs);
        var plan = run.plan(t, Protocol.apply(run, t));

        assertThat(plan.guards())
                .containsExactly(
                        new Txn.Absent("ns/journal/" + RUN), new Txn.Unchanged("ns/nodes/" + RUN + "/sink", 100));
        assertThat(puts(plan)).containsExactly("ns/nodes/" + RUN + "/sink", "ns/ready/" + RUN + "/sink");
        assertThat(deletes(plan)).containsExactlyElementsOf(tallyKeys("sink"));
        assertThat(plan.primary().getInputsCount()).isEqualTo(width);
        assertThat(plan.delta()).containsExactly(delta(0, -1, 1, 0, 0, 0));
    }

    @Test
    void aFinalFailureCompletesEveryNodeBelowAndDropsAWideOnesTally() {
        int width = EtcdStorage.WIDE_FAN_IN + 1;
        var run = new Stored()
                .node("a", 0, List.of("b"), running("c1"))
                .node("b", 1, List.of("sink"), NodeState.initial(1))
                .node("sink", width, List.of(), NodeState.initial(width));
        var t = new Transition.FinishNode("a", Result.fail("no"), new Claim("c1"), NOW);
        var plan = run.plan(t, Protocol.apply(run, t));

        assertThat(puts(plan))
                .containsExactly("ns/nodes/" + RUN + "/a", "ns/nodes/" + RUN + "/b", "ns/nodes/" + RUN + "/sink");
        var deleted =
                new java.util.ArrayList<>(List.of("ns/held/running/" + RUN + "/a", "ns/held/claims/" + RUN + "/a"));
        deleted.addAll(tallyKeys("sink"));
        assertThat(deletes(plan)).containsExactlyElementsOf(deleted);
        assertThat(plan.delta()).containsExactly(delta(0, -2, 0, -1, 3, 0));
    }

    @Test
    void anOrphaningNeedsTheClaimKeyGoneAndAnnouncesTheNode() {
        var run = new Stored().node("a", 0, List.of(), running("c1"));
        var t = new Transition.OrphanNode("a", NOW);
        var plan = run.plan(t, Protocol.apply(run, t));

        assertThat(plan.guards()).contains(new Txn.Absent("ns/held/claims/" + RUN + "/a"));
        assertThat(puts(plan)).containsExactly("ns/nodes/" + RUN + "/a", "ns/orphaned/" + RUN + "/a");
        assertThat(deletes(plan)).containsExactly("ns/held/running/" + RUN + "/a", "ns/held/claims/" + RUN + "/a");
        assertThat(plan.delta()).containsExactly(delta(0, 0, 0, -1, 0, 1));
    }

    @Test
    void aJournalsIndexEntriesLeaveTheRecordOut() {
        var run = new Stored().node("a", 0, List.of("b"), running("c1")).node("b", 1, List.of(), NodeState.initial(1));
        var t = new Transition.FinishNode("a", Result.success("out"), new Claim("c1"), NOW);
        var plan = PLANNER.plan(RUN, t, Protocol.apply(run, t).changes(), run.used, "w1", 0, false);
        var entries = new ArrayList<IndexEntry>();
        for (var w : plan.writes()) {
            if (w.key().startsWith("ns/ready/")) {
                entries.add(parse(((Txn.Put) w).value()));
            }
        }
        assertThat(entries)
                .singleElement()
                .satisfies(e -> assertThat(e.hasRecord()).isFalse());
    }

    @Test
    void aBigOutputIsWrittenOnceAndEveryRecordThatHoldsItRefersToIt() {
        var big = new byte[100 * 1024];
        java.util.Arrays.fill(big, (byte) 7);
        var run = new Stored().node("a", 0, List.of("b", "c", "d", "e", "f", "g", "h", "i"), running("c1"));
        for (var d : List.of("b", "c", "d", "e", "f", "g", "h", "i")) {
            run.node(d, 1, List.of(), NodeState.initial(1));
        }
        var t = new Transition.FinishNode(
                "a", new Result(io.adagio.core.model.Conclusion.SUCCESS, Map.of(), big), new Claim("c1"), NOW);
        var plan = run.plan(t, Protocol.apply(run, t));

        var outputs = plan.writes().stream()
                .filter(w -> w.key().startsWith("ns/outputs/"))
                .toList();
        assertThat(outputs)
                .singleElement()
                .isEqualTo(new Txn.Put("ns/outputs/" + RUN + "/a/0", com.google.protobuf.ByteString.copyFrom(big)));
        assertThat(OversizeResult.bytes(plan.writes()))
                .as("the output once, and small records")
                .isLessThan(big.length + 8 * 1024);
        assertThat(plan.primary().getAttempts(0).getOutput()).isEmpty();
        assertThat(plan.primary().getOutputsApartMap()).containsExactly(Map.entry(0, (long) big.length));
        var b = plan.writes().stream()
                .filter(w -> w.key().equals("ns/nodes/" + RUN + "/b"))
                .map(w -> EtcdStorage.decode(((Txn.Put) w).value(), NodeRecord::parseFrom, "b"))
                .findFirst()
                .orElseThrow();
        assertThat(b.getInputs(0).getOutput()).isEmpty();
        assertThat(b.getInputs(0).getApart().getNode()).isEqualTo("a");
        assertThat(b.getInputs(0).getApart().getSize()).isEqualTo(big.length);
        assertThat(plan.outputs()).containsOnlyKeys("ns/outputs/" + RUN + "/a/0");
    }

    @Test
    void aSmallOutputStaysInlineUnlessItLooksLikeAReference() {
        var run = new Stored().node("a", 0, List.of("b"), running("c1")).node("b", 1, List.of(), NodeState.initial(1));
        var t = new Transition.FinishNode("a", Result.success("out"), new Claim("c1"), NOW);
        var plan = run.plan(t, Protocol.apply(run, t));
        assertThat(plan.writes()).noneMatch(w -> w.key().startsWith("ns/outputs/"));
        assertThat(plan.primary().getAttempts(0).getOutput().toStringUtf8()).isEqualTo("out");

        // An agent's output that begins as a reference does is stored apart, so it is never taken for one.
        var sly = OutputRefs.ref("b", 0, 3);
        var again =
                new Stored().node("a", 0, List.of("b"), running("c1")).node("b", 1, List.of(), NodeState.initial(1));
        var t2 = new Transition.FinishNode(
                "a", new Result(io.adagio.core.model.Conclusion.SUCCESS, Map.of(), sly), new Claim("c1"), NOW);
        var plan2 = again.plan(t2, Protocol.apply(again, t2));
        assertThat(plan2.outputs()).containsOnlyKeys("ns/outputs/" + RUN + "/a/0");
        assertThat(plan2.outputs().get("ns/outputs/" + RUN + "/a/0")).isEqualTo(sly);
    }

    private static IndexEntry parse(com.google.protobuf.ByteString value) {
        return EtcdStorage.decode(value, IndexEntry::parseFrom, "entry");
    }

    private static TallyRecord parseTally(com.google.protobuf.ByteString value) {
        return EtcdStorage.decode(value, TallyRecord::parseFrom, "tally");
    }

    /** Every tally key of a node: the legacy one, then each shard. */
    private static List<String> tallyKeys(String node) {
        var out = new java.util.ArrayList<String>();
        out.add("ns/tally/" + RUN + "/" + node);
        for (int shard = 0; shard < Keys.TALLY_SHARDS; shard++) {
            out.add("ns/tally/" + RUN + "/" + node + "/" + shard);
        }
        return out;
    }
}
