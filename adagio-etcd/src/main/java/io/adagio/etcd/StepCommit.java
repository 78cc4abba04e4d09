package io.adagio.etcd;

import io.adagio.core.protocol.Step;
import io.adagio.core.protocol.Transition;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.OutputRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The transaction that commits one step {@link TransitionRunner} decided, and the reading of its
 * answer. Besides the plan's guards and writes, its success branch reads, in this order: the tally
 * of each wide node handed an input (after this commit's own delivery), the downstream records of
 * the node claimed, and the claim's outputs stored apart; its failure branch reads the primary's
 * {@link Snapshot}, then the other records a finish compared. That order is known here only: this
 * class writes the reads and reads their answers back.
 */
final class StepCommit {
    /** At most this many downstream records are read with a claim (a finish would read them anyway). */
    private static final int MAX_PREFETCH = 16;
    /** The primary read, then the records a finish compared, in the failure branch. */
    private static final int SNAPSHOT_READS = 4;

    private final Txn.Builder txn;
    private final List<String> tallied;
    private final List<String> prefetch = new ArrayList<>();
    private final List<String> outputKeys = new ArrayList<>();
    private final List<String> compared = new ArrayList<>();

    private StepCommit(Txn.Builder txn, List<String> tallied) {
        this.txn = txn;
        this.tallied = tallied;
    }

    /**
     * The transaction of {@code plan}, the step that {@code view} let {@code transition} decide on
     * {@code primary}; the caller stages its counter shard's writes in {@link #txn()} before sending it.
     */
    static StepCommit of(
            Keys keys,
            OutputReader outputs,
            int maxTxnOps,
            String runId,
            Transition.OfNode transition,
            Step step,
            TransitionPlanner.Plan plan,
            EtcdRunView view,
            StoredNode primary) {
        var commit = new StepCommit(new Txn.Builder().guards(plan.guards()).thenAll(plan.writes()), plan.tallied());
        var txn = commit.txn;
        for (var d : plan.tallied()) {
            // Read in the same transaction, after its own put: the last of the N deliveries sees
            // versions adding up to N. O(shards), where counting the input keys would be
            // O(inputs) on every finish.
            txn.then(new Txn.Get(keys.legacyTally(runId, d)));
            txn.then(new Txn.KeysWithPrefix(keys.tallyShards(runId, d)));
        }
        // A claim also reads the downstream records its finish will need; a finish that fails
        // gets back the records it compared, so neither reads them in a request of its own.
        // The node claimed: the primary, or the downstream node a finish claims for its agent.
        var claimedNode = step.claimed()
                ? primary
                : step.next() == null ? null : view.used().get(step.next().name());
        if (claimedNode != null
                && claimedNode.downstream().size() <= MAX_PREFETCH
                && txn.thenSize() + claimedNode.downstream().size() + Txn.RESERVE <= maxTxnOps) {
            for (var d : claimedNode.downstream()) {
                commit.prefetch.add(d);
                txn.then(new Txn.Get(keys.node(runId, d)));
            }
        }
        // A claim answers with the node's inputs and earlier outputs: those stored apart are read
        // in the same transaction when they fit, else afterwards.
        if (step.claimed() && plan.primaryState() != null) {
            var refs = outputs.refs(
                    runId, plan.primaryState().attempts(), plan.primaryState().inputs());
            long bytes = refs.values().stream().mapToLong(OutputRef::getSize).sum();
            if (!refs.isEmpty()
                    && txn.thenSize() + refs.size() + Txn.RESERVE <= maxTxnOps
                    && bytes <= OutputReader.REQUEST_BYTES) {
                for (var key : refs.keySet()) {
                    commit.outputKeys.add(key);
                    txn.then(new Txn.Get(key));
                }
            }
        }
        String node = transition.node();
        for (var op : Snapshot.reads(keys, runId, node)) {
            txn.otherwise(op);
        }
        if (transition instanceof Transition.FinishNode) {
            for (var name : view.used().keySet()) {
                if (!name.equals(node) && commit.compared.size() + SNAPSHOT_READS + 2 <= maxTxnOps) {
                    commit.compared.add(name);
                    txn.otherwise(new Txn.Get(keys.node(runId, name)));
                }
            }
        }
        return commit;
    }

    /** The transaction being built: the counter shard stages its writes here. */
    Txn.Builder txn() {
        return txn;
    }

    /**
     * What the step did, from the answer of its committed transaction.
     *
     * @param before the primary's record the step was decided on
     */
    TransitionRunner.Outcome committed(
            Step step,
            long lease,
            TransitionPlanner.Plan plan,
            EtcdRunView view,
            StoredNode before,
            GroupCommit.Answer response) {
        long revision = response.revision();
        var committed = before;
        if (plan.primary() != null) {
            committed =
                    new StoredNode(plan.primary(), before.spec(), before.downstream(), plan.primaryState(), revision);
        }
        var gets = response.reads();
        var complete = new ArrayList<String>();
        int g = 0;
        for (var d : tallied) {
            long counted = 0;
            for (int read = 0; read < 2; read++) { // the legacy key, then the shards
                for (var kv : gets.get(g++).getKvs()) {
                    counted += kv.getVersion();
                }
            }
            // At least N: promotion checks the input keys themselves, so a tally counted twice (a
            // journal chunk applied twice) costs a read, never a wrong promotion.
            // The record keeps, while WAITING, how many deliveries it still awaits (all, or after a
            // rerun those of the upstream nodes that had not succeeded).
            if (counted > 0 && counted >= view.used().get(d).record().getWaitingOn()) {
                complete.add(d);
            }
        }
        var downstream = new HashMap<String, StoredNode>();
        for (var d : prefetch) {
            var kvs = gets.get(g++).getKvs();
            if (!kvs.isEmpty()) {
                try {
                    downstream.put(d, EtcdStorage.node(kvs.getFirst()));
                } catch (RepositoryException.StorageFormat unreadable) {
                    // Not needed yet: the finish reads it again, and reports it then.
                }
            }
        }
        var values = plan.outputs();
        if (!outputKeys.isEmpty()) {
            values = new HashMap<>(values);
            for (var key : outputKeys) {
                var kvs = gets.get(g++).getKvs();
                if (!kvs.isEmpty()) {
                    values.put(key, kvs.getFirst().getValue().getBytes());
                }
            }
        }
        TransitionRunner.NextClaimed next = null;
        if (plan.next() != null) {
            var read = view.used().get(step.next().name());
            next = new TransitionRunner.NextClaimed(
                    new StoredNode(plan.next(), read.spec(), read.downstream(), plan.nextState(), revision),
                    downstream);
            downstream = new HashMap<>();
        }
        return new TransitionRunner.Outcome(
                step,
                lease,
                committed,
                List.of(),
                complete,
                downstream,
                TransitionRunner.stored(step, plan, before),
                values,
                next);
    }

    /**
     * The primary's snapshot from the answer of a transaction whose guards failed; {@code known} then
     * holds the other records a finish compared (null for one that is gone), to decide again on.
     */
    Snapshot conflicted(GroupCommit.Answer response, Map<String, StoredNode> known) {
        var gets = response.reads();
        known.clear();
        for (int i = 0; i < compared.size(); i++) {
            var kvs = gets.get(SNAPSHOT_READS + i).getKvs();
            known.put(compared.get(i), kvs.isEmpty() ? null : EtcdStorage.node(kvs.getFirst()));
        }
        return Snapshot.of(gets, 0);
    }
}
