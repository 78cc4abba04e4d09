package io.adagio.etcd;

import io.etcd.jetcd.kv.GetResponse;
import java.util.List;

/**
 * What one read of a transition's primary node found, with the markers its commit depends on: the
 * run record (written last when a run starts), the run's journal (a big transition half applied)
 * and the node's claim key (its holder's liveness). Read in one request, or returned by the failure
 * branch of a transaction whose compares failed.
 */
record Snapshot(
        StoredNode node, boolean runExists, boolean runRecord, boolean journal, boolean claimKey, boolean assumed) {

    /** The four reads, in the order {@link #of} expects their answers. */
    static List<Txn.Op> reads(Keys keys, String runId, String node) {
        return List.of(
                new Txn.Count(keys.run(runId)),
                new Txn.Count(keys.journal(runId)),
                new Txn.Count(keys.claim(runId, node)),
                new Txn.Get(keys.node(runId, node)));
    }

    /** The snapshot from the answers to {@link #reads}, starting at {@code from}. */
    static Snapshot of(List<GetResponse> gets, int from) {
        var nodeKvs = gets.get(from + 3).getKvs();
        StoredNode node = nodeKvs.isEmpty() ? null : EtcdStorage.node(nodeKvs.getFirst());
        // A node exists before its run record does (the record is written last): such a run is
        // still starting (or its start was cut short), and its nodes cannot be claimed.
        boolean runRecord = gets.get(from).getCount() > 0;
        return new Snapshot(
                node,
                runRecord || node != null,
                runRecord,
                gets.get(from + 1).getCount() > 0,
                gets.get(from + 2).getCount() > 0,
                false);
    }

    /** A record at hand (a claim hint, or the record a claim committed), taken to be current until a compare says otherwise. */
    static Snapshot assumed(StoredNode node, boolean claimKey) {
        return new Snapshot(node, true, true, false, claimKey, true);
    }
}
