package io.adagio.etcd;

import io.adagio.etcd.storage.NodeRecord;
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

    /** Kept as it came: most hints are of nodes another agent claims, so decoding waits for a claim. */
    private record Hint(NodeRecord record, long modRevision) {}

    private final Map<Ref, Hint> hints;

    ClaimHints(int capacity) {
        this.hints = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Ref, Hint> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The record as an index entry carried it, at that entry's mod revision. */
    synchronized void put(String runId, String node, NodeRecord record, long modRevision) {
        hints.put(new Ref(runId, node), new Hint(record, modRevision));
    }

    /** The hint for the node, removed (one claim uses it at most once), or null. */
    StoredNode take(String runId, String node) {
        Hint hint;
        synchronized (this) {
            hint = hints.remove(new Ref(runId, node));
        }
        return hint == null ? null : StoredNode.of(hint.record(), hint.modRevision());
    }
}
