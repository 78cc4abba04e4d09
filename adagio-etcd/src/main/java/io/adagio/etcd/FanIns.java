package io.adagio.etcd;

import static io.adagio.etcd.Keys.text;

import io.adagio.core.model.NodeStatus;
import io.adagio.core.protocol.Transition;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.TallyRecord;
import io.etcd.jetcd.KeyValue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wide fan-in nodes (more upstream nodes than {@link EtcdStorage#WIDE_FAN_IN}): their inputs arrive
 * under per-edge keys, counted by a tally, and the node is promoted to READY
 * ({@link Transition.PromoteNode}) once all of them are there.
 *
 * <p>Why exactly one promotion happens, and always one: etcd is linearizable and each upstream
 * finisher looks at a node's deliveries only after its own is committed. Whichever of the N
 * finishers committed last therefore sees N (earlier ones may too, if they look late). Every
 * finisher that sees N promotes guarded by the node's mod revision (and the run's journal marker):
 * the first commit wins, the others read it READY and stop. A node left unreached by a failed
 * upstream never gets N inputs and is no longer WAITING, so it is never promoted; a retried
 * upstream delivers only with its final success. A finisher that dies between its commit and the
 * promotion leaves the node for {@link #promoteStuck()}, which the sweeper runs.
 */
final class FanIns {
    private static final Logger LOG = LoggerFactory.getLogger(FanIns.class);

    private final EtcdCalls calls;
    private final Keys keys;
    private final TransitionRunner runner;
    private final Background background;

    FanIns(EtcdCalls calls, Keys keys, TransitionRunner runner, Background background) {
        this.calls = calls;
        this.keys = keys;
        this.runner = runner;
        this.background = background;
    }

    /**
     * After a finish: promotes the nodes its commit found complete, and looks at those whose count
     * it could not see (a journal applied the deliveries, or the commit's answer was lost). The
     * finish itself is committed, so a promotion that fails is retried in the background rather than
     * reported as a failed finish (which its caller would retry into a StaleClaim).
     */
    void afterFinish(String runId, List<String> complete, List<String> unsettled) {
        for (var node : complete) {
            quietly(runId, "node " + node, () -> promote(runId, node));
        }
        if (!unsettled.isEmpty()) {
            quietly(runId, "wide fan-in nodes", () -> promoteCounted(runId, unsettled));
        }
    }

    private void quietly(String runId, String what, Runnable promotion) {
        try {
            promotion.run();
        } catch (RepositoryException e) {
            if (!e.retryable()) {
                LOG.error("promotion of {} of run {} failed: {}", what, runId, e.getMessage());
                return;
            }
            LOG.info("promotion of {} of run {} failed ({}); retrying", what, runId, e.getMessage());
            background.retryLater(promotion);
        }
    }

    /**
     * Counts the inputs of each node (one request per half a transaction's worth of nodes) and
     * promotes those with all of them.
     */
    private void promoteCounted(String runId, List<String> nodes) {
        int per = Math.max(1, calls.settings().maxTxnOps() / 2);
        for (int i = 0; i < nodes.size(); i += per) {
            var part = nodes.subList(i, Math.min(nodes.size(), i + per));
            var txn = new Txn.Builder();
            for (var n : part) {
                txn.then(new Txn.Get(keys.node(runId, n)));
                txn.then(new Txn.CountPrefix(keys.inputs(runId, n)));
            }
            var gets = calls.commit(txn.build()).getGetResponses();
            for (int j = 0; j < part.size(); j++) {
                var kvs = gets.get(2 * j).getKvs();
                if (kvs.isEmpty()) {
                    continue;
                }
                var node = EtcdStorage.node(kvs.getFirst());
                if (node.state().status() == NodeStatus.WAITING
                        && gets.get(2 * j + 1).getCount() >= node.record().getUpstreamCount()) {
                    promote(runId, part.get(j));
                }
            }
        }
    }

    /**
     * Promotes one wide fan-in node if every input key is there: one read of the node with its inputs,
     * then the protocol's promotion, committed guarded by the node's revision.
     *
     * @return whether this call promoted it (false: not WAITING, or an input still missing)
     */
    boolean promote(String runId, String nodeName) {
        var txn = new Txn.Builder();
        for (var op : Snapshot.reads(keys, runId, nodeName)) {
            txn.then(op);
        }
        txn.then(new Txn.GetPrefix(keys.inputs(runId, nodeName)));
        var gets = calls.commit(txn.build()).getGetResponses();
        var snap = Snapshot.of(gets, 0);
        if (snap.node() == null) {
            return false;
        }
        var inputKvs = gets.get(4).getKvs();
        if (snap.node().state().status() != NodeStatus.WAITING
                || inputKvs.size() < snap.node().record().getUpstreamCount()) {
            return false; // promoted by another finisher, or left unreached
        }
        // The inputs are settled: each upstream delivers once, with its final success.
        var promotion = new Transition.PromoteNode(nodeName, inputs(keys.inputs(runId, nodeName), inputKvs));
        var outcome = runner.run(runId, promotion, snap, Map.of());
        return !outcome.step().changes().isEmpty();
    }

    /**
     * Promotes the wide fan-in nodes that have every input yet are still WAITING: the finisher whose
     * delivery completed them died between its commit and the promotion. Found by their tallies
     * (deleted when a node leaves WAITING, so only fan-ins in progress are read).
     *
     * @return how many nodes it promoted
     */
    int promoteStuck() {
        calls.ensureOpen();
        // A node's deliveries are the versions of its tally keys (its shards, and the one key of a
        // release before them) added up; each key holds the count expected.
        var counted = new LinkedHashMap<String, long[]>();
        for (var kv : calls.get(keys.tallies(), EtcdCalls.PREFIX).getKvs()) {
            TallyRecord tally;
            try {
                tally = EtcdStorage.decode(kv, TallyRecord::parseFrom);
            } catch (RepositoryException.StorageFormat e) {
                LOG.warn("skipping a tally this release cannot read: {}", e.getMessage());
                continue;
            }
            var ref = keys.tallyRunAndNode(text(kv.getKey()));
            var sum = counted.computeIfAbsent(ref[0] + "/" + ref[1], k -> new long[2]);
            sum[0] += kv.getVersion();
            sum[1] = Math.max(sum[1], tally.getExpected());
        }
        int promoted = 0;
        for (var e : counted.entrySet()) {
            var ref = Keys.runAndNode("", e.getKey());
            if (e.getValue()[0] >= e.getValue()[1] && promote(ref[0], ref[1])) {
                promoted++;
            }
        }
        return promoted;
    }

    /** The inputs stored under {@code prefix} ({@code <prefix><upstream>} = output), in key order. */
    static Map<String, byte[]> inputs(String prefix, List<KeyValue> kvs) {
        var inputs = new LinkedHashMap<String, byte[]>();
        for (var kv : kvs) {
            inputs.put(
                    text(kv.getKey()).substring(prefix.length()), kv.getValue().getBytes());
        }
        return inputs;
    }
}
