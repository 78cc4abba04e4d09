package io.adagio.etcd;

import com.google.protobuf.ByteString;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.Change;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Transition;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.etcd.storage.RunningEntry;
import io.adagio.etcd.storage.TallyRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the changes a protocol step decided into etcd operations: the node records, the indexes
 * that follow a node's status (ready, orphaned, running, the leased claim key), the inputs and
 * tallies of wide fan-ins, the stats counters, and the compares that make the whole apply only to
 * the records the step read. Pure: no etcd client, no clock.
 */
final class TransitionPlanner {
    private final Keys keys;

    TransitionPlanner(Keys keys) {
        this.keys = keys;
    }

    /**
     * What a step writes, and on what condition.
     *
     * @param guards  the compares: the run's journal absent, the transition's own condition, every
     *                record used unchanged
     * @param writes  puts and deletes, in order (what a journal records, too)
     * @param tallied wide fan-in nodes handed an input: the transaction reads their tallies after its
     *                writes, and the last of N deliveries sees version N
     * @param delta   the change of the stats counters ({@link CounterShards})
     * @param primary the primary node's record as written, or null when it is not rewritten
     * @param primaryState the primary node's state as written (outputs in stored form), or null
     * @param outputs the outputs stored apart: output key to value
     * @param next    the record of the downstream node a finish claims for its agent, as written, or null
     * @param nextState that node's state as written (inputs in stored form), or null
     */
    record Plan(
            List<Txn.Guard> guards,
            List<Txn.Op> writes,
            List<String> tallied,
            long[] delta,
            NodeRecord primary,
            NodeState primaryState,
            Map<String, byte[]> outputs,
            NodeRecord next,
            NodeState nextState) {
        /** Operations of the success branch: the writes, then a read of each tally. */
        int thenSize() {
            return writes.size() + tallied.size();
        }
    }

    /**
     * @param used     the records the step used, as read (what the commit compares)
     * @param lease    the lease a claim's key hangs on (claims only)
     * @param withHints whether ready and orphaned entries carry a copy of the record written beside
     *                 them (a journal leaves them out; its applier adds them chunk by chunk)
     */
    Plan plan(
            String runId,
            Transition.OfNode transition,
            List<Change> changes,
            Map<String, StoredNode> used,
            String writeId,
            long lease,
            boolean withHints) {
        return plan(runId, transition.node(), conditions(runId, transition), changes, used, writeId, lease, withHints);
    }

    /**
     * The plan of any step: one of a node ({@code primaryNode} its primary) or of the whole run
     * ({@code primaryNode} null, {@code used} the records it changes).
     *
     * @param conditions the transition's own compares, beside the journal's absence and the records used
     */
    Plan plan(
            String runId,
            String primaryNode,
            List<Txn.Guard> conditions,
            List<Change> changes,
            Map<String, StoredNode> used,
            String writeId,
            long lease,
            boolean withHints) {
        var guards = new ArrayList<Txn.Guard>();
        // Nothing applies while a big transition of the run is half done.
        guards.add(new Txn.Absent(keys.journal(runId)));
        guards.addAll(conditions);
        // Every record used is compared, a wide fan-in node only handed an input too: its record is
        // not rewritten by deliveries (they go to per-edge keys), only when it leaves WAITING, so its
        // upstream nodes still finish concurrently, and none delivers to it once it left.
        used.forEach((name, stored) -> {
            if (stored != null) {
                guards.add(new Txn.Unchanged(keys.node(runId, name), stored.modRevision()));
            }
        });

        var writes = new ArrayList<Txn.Op>();
        var tallied = new ArrayList<String>();
        long[] delta = new long[CounterShards.FIELDS];
        NodeRecord primary = null;
        NodeState primaryState = null;
        NodeRecord next = null;
        NodeState nextState = null;
        var outputs = new LinkedHashMap<String, byte[]>();
        // The output of each attempt this step records, in stored form, by node: what its deliveries hand on.
        var recorded = new HashMap<String, byte[]>();
        for (var change : changes) {
            var name = change.node();
            var stored = used.get(name);
            if (change instanceof Change.Delivery d && stored.wideFanIn()) {
                writes.add(new Txn.Put(
                        keys.input(runId, name, d.upstream()), ByteString.copyFrom(delivered(d, recorded))));
                // The deliveries still awaited: all its upstream nodes', or after a rerun those that had
                // not succeeded (the record keeps this count while WAITING).
                var tally = TallyRecord.newBuilder()
                        .setFormat(EtcdStorage.FORMAT)
                        .setExpected(stored.record().getWaitingOn())
                        .build();
                // A blind put, so deliveries never conflict; the shards' versions count them.
                writes.add(new Txn.Put(keys.tally(runId, name, d.upstream()), tally.toByteString()));
                tallied.add(name);
                continue;
            }
            // A rerun sets a wide fan-in WAITING again: the inputs it has go under their own keys, as
            // deliveries do, so that those still to come are counted the same way.
            var after = storedForm(runId, change, recorded, writes, outputs);
            boolean inputsApart = stored.wideFanIn()
                    && after.status() == NodeStatus.WAITING
                    && change.before().status() != NodeStatus.WAITING;
            if (inputsApart) {
                after.inputs()
                        .forEach((up, output) ->
                                writes.add(new Txn.Put(keys.input(runId, name, up), ByteString.copyFrom(output))));
            }
            var record = EtcdStorage.withState(stored.record(), after, writeId, inputsApart);
            if (name.equals(primaryNode)) {
                primary = record;
                primaryState = after;
            } else if (after.status() == NodeStatus.RUNNING) {
                // Only a finish's next claim claims a node beside the step's own: one it makes ready
                // (handing it an input) or one it names.
                next = record;
                nextState = after;
            }
            writes.add(new Txn.Put(keys.node(runId, name), record.toByteString()));
            indexes(runId, stored, change, record, lease, withHints, writes, delta);
        }
        return new Plan(guards, writes, tallied, delta, primary, primaryState, outputs, next, nextState);
    }

    /**
     * The state a change leaves, with the values the step brought in put in stored form
     * ({@link OutputRefs}): the output of each attempt it records (a big one is written under its
     * output key, and the attempt refers to it), and the input a delivery hands on (the delivering
     * attempt's output as stored). Everything else in the state was read from etcd, stored already.
     */
    private NodeState storedForm(
            String runId,
            Change change,
            Map<String, byte[]> recorded,
            List<Txn.Op> writes,
            Map<String, byte[]> outputs) {
        var name = change.node();
        var after = change.after();
        List<Result> attempts = after.attempts();
        int known = change.before().attempts().size();
        for (int i = known; i < attempts.size(); i++) {
            var attempt = attempts.get(i);
            byte[] value = attempt.output();
            if (OutputRefs.storedApart(value)) {
                var key = keys.output(runId, name, i);
                writes.add(new Txn.Put(key, ByteString.copyFrom(value)));
                outputs.put(key, value);
                value = OutputRefs.ref(name, i, value.length);
                if (attempts == after.attempts()) {
                    attempts = new ArrayList<>(attempts);
                }
                attempts.set(
                        i,
                        new Result(
                                attempt.conclusion(),
                                attempt.metadata(),
                                value,
                                attempt.startedAt(),
                                attempt.finishedAt(),
                                attempt.agentId()));
            }
            recorded.put(name, value);
        }
        var inputs = after.inputs();
        if (change instanceof Change.Delivery d && OutputRefs.storedApart(d.output())) {
            var copy = new LinkedHashMap<>(inputs);
            copy.put(d.upstream(), delivered(d, recorded));
            inputs = copy;
        }
        if (attempts == after.attempts() && inputs == after.inputs()) {
            return after;
        }
        return new NodeState(
                after.status(),
                attempts,
                after.startedAt(),
                after.finishedAt(),
                inputs,
                after.claim(),
                after.waitingOn(),
                after.orphanRecovery(),
                after.conclusion(),
                after.notBefore(),
                after.cancelRequested(),
                after.generation(),
                after.lostClaim());
    }

    /** What a delivery hands on, in stored form: the output of the attempt the step recorded upstream. */
    private static byte[] delivered(Change.Delivery d, Map<String, byte[]> recorded) {
        if (!OutputRefs.storedApart(d.output())) {
            return d.output();
        }
        var value = recorded.get(d.upstream());
        if (value == null) {
            throw new IllegalStateException(
                    "node " + d.node() + " is handed an output of " + d.upstream() + " that this step did not record");
        }
        return value;
    }

    /** The transition's own condition, beside the records it used being unchanged. */
    List<Txn.Guard> conditions(String runId, Transition.OfNode transition) {
        var claimKey = keys.claim(runId, transition.node());
        return switch (transition) {
            // Only once the run's start is complete (its record is written last).
            case Transition.ClaimNode t -> List.of(new Txn.Present(keys.run(runId)));
            // Only while the claim's lease lives: a holder that lost it cannot report any more.
            case Transition.FinishNode t -> List.of(new Txn.Present(claimKey));
            // Only once the claim's lease has ended.
            case Transition.OrphanNode t -> List.of(new Txn.Absent(claimKey));
            case Transition.PromoteNode t -> List.of();
        };
    }

    /** The index entries and counters that follow a node from one status to another. */
    private void indexes(
            String runId,
            StoredNode stored,
            Change change,
            NodeRecord record,
            long lease,
            boolean withHints,
            List<Txn.Op> writes,
            long[] delta) {
        var name = change.node();
        var from = change.before().status();
        var to = change.after().status();
        // The agent running a node of a cancelled run watches for this entry; it goes when the node completes.
        boolean cancelling = change.after().cancelRequested();
        if (cancelling && !change.before().cancelRequested()) {
            writes.add(new Txn.Put(
                    keys.cancel(runId, name),
                    EtcdStorage.cancelEntry(
                                    stored.spec(), change.after().claim().id())
                            .toByteString()));
        } else if (!cancelling && change.before().cancelRequested()) {
            writes.add(new Txn.Delete(keys.cancel(runId, name)));
        }
        if (from == to) {
            return;
        }
        if (from == NodeStatus.WAITING && stored.wideFanIn()) {
            // Promoted or unreached: nothing more to count. Key by key, not by prefix: a request
            // deleting a range is sent alone.
            for (var tally : keys.tallyKeys(runId, name)) {
                writes.add(new Txn.Delete(tally));
            }
        }
        delta[CounterShards.index(from)]--;
        delta[CounterShards.index(to)]++;
        switch (from) {
            case READY -> writes.add(new Txn.Delete(keys.ready(runId, name)));
            case NONE -> writes.add(new Txn.Delete(keys.orphaned(runId, name)));
            case RUNNING -> {
                writes.add(new Txn.Delete(keys.running(runId, name)));
                writes.add(new Txn.Delete(keys.claim(runId, name)));
            }
            case WAITING, COMPLETED -> {}
        }
        var hint = withHints ? record : null;
        switch (to) {
            case READY ->
                writes.add(new Txn.Put(
                        keys.ready(runId, name),
                        EtcdStorage.indexEntry(
                                        Event.ready(
                                                runId,
                                                stored.spec(),
                                                change.after().notBefore()),
                                        hint)
                                .toByteString()));
            case NONE ->
                writes.add(new Txn.Put(
                        keys.orphaned(runId, name),
                        EtcdStorage.indexEntry(Event.orphaned(runId, stored.spec()), hint)
                                .toByteString()));
            case RUNNING -> {
                var claim = change.after().claim();
                writes.add(new Txn.Put(
                        keys.running(runId, name),
                        RunningEntry.newBuilder()
                                .setFormat(EtcdStorage.FORMAT)
                                .setClaimId(claim.id())
                                .setLease(lease)
                                .build()
                                .toByteString()));
                writes.add(new Txn.Put(keys.claim(runId, name), ByteString.copyFromUtf8(claim.id()), lease));
            }
            case WAITING, COMPLETED -> {}
        }
    }
}
