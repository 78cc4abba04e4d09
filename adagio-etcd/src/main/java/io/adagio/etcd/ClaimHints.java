package io.adagio.etcd;

import io.adagio.etcd.EtcdStorage.StoredNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Node records that came with the ready and orphaned index entries this instance watched (see
 * {@code IndexEntry.record}), kept until a claim of the node takes them: such a claim commits
 * straight away, guarded by the record's mod revision, instead of reading the record first. A hint
 * is never trusted: if the record changed since, the claim's compare fails and the transaction
 * returns the current record. Bounded: hints of nodes other agents claimed are dropped oldest first.
 */
final class ClaimHints {
    private record Ref(String runId, String node) {}

    private final Map<Ref, StoredNode> hints;

    ClaimHints(int capacity) {
        this.hints = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Ref, StoredNode> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized void put(String runId, String node, StoredNode record) {
        hints.put(new Ref(runId, node), record);
    }

    /** The hint for the node, removed: one claim uses it at most once. */
    synchronized StoredNode take(String runId, String node) {
        return hints.remove(new Ref(runId, node));
    }

    synchronized int size() {
        return hints.size();
    }
}
