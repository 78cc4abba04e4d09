package io.adagio.etcd;

import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Reads several node records of a run for a transition: one request per transaction's worth of
 * nodes, all sent at once.
 */
final class NodeRecords implements EtcdRunView.Loader {
    private final EtcdCalls calls;
    private final Keys keys;

    NodeRecords(EtcdCalls calls, Keys keys) {
        this.calls = calls;
        this.keys = keys;
    }

    @Override
    public Map<String, StoredNode> load(String runId, Collection<String> names) {
        var out = new HashMap<String, StoredNode>();
        var list = new ArrayList<>(names);
        int per = calls.settings().maxTxnOps();
        // All parts requested at once: a wide fan-out's thousands of records in one round trip's time.
        var parts = new ArrayList<List<String>>();
        var reads = new ArrayList<CompletableFuture<List<GetResponse>>>();
        for (int i = 0; i < list.size(); i += per) {
            var part = list.subList(i, Math.min(list.size(), i + per));
            parts.add(part);
            if (part.size() == 1) {
                reads.add(calls.kv()
                        .get(Keys.bytes(keys.node(runId, part.getFirst())))
                        .thenApply(List::of));
            } else {
                var txn = new Txn.Builder();
                for (var n : part) {
                    txn.then(new Txn.Get(keys.node(runId, n)));
                }
                reads.add(calls.send(txn.build()).thenApply(TxnResponse::getGetResponses));
            }
        }
        for (int p = 0; p < parts.size(); p++) {
            var part = parts.get(p);
            var gets = calls.await(reads.get(p));
            for (int j = 0; j < part.size(); j++) {
                var kvs = gets.get(j).getKvs();
                out.put(part.get(j), kvs.isEmpty() ? null : EtcdStorage.node(kvs.getFirst()));
            }
        }
        return out;
    }
}
