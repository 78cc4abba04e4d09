package io.adagio.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.IndexEntry;
import io.adagio.etcd.storage.Journal;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.etcd.storage.WriteOp;
import io.etcd.jetcd.kv.TxnResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Transitions too big for one etcd transaction, made atomic by a journal. A transition locks its run
 * by putting the run's journal key (with its instance's lease, so that a crash unlocks it); every
 * other transition of the run compares that key absent, so the run is frozen. It then records its
 * writes in the journal (now without a lease) together with the stats: from that commit on the
 * transition is decided, and anyone who finds the journal applies it in chunks and deletes it.
 * Writes too many for one etcd value (a run-wide cancel or rerun of a big run) are recorded in parts
 * under keys of the decision's own first; the journal that names them decides, as before.
 */
final class Journals {
    /** How long a transition that finds a run's journal lets its decider apply it before applying it itself. */
    private static final Duration PATIENCE = Duration.ofSeconds(2);
    /** The most bytes of writes one journal value (or part) holds: well within one etcd request. */
    private static final int PART_BYTES = 768 * 1024;

    private final EtcdCalls calls;
    private final Keys keys;
    private final CounterShards shards;

    Journals(EtcdCalls calls, Keys keys, CounterShards shards) {
        this.calls = calls;
        this.keys = keys;
        this.shards = shards;
    }

    /** Locks the run for a big transition: the lock's revision, or 0 when another journal is there. */
    long lock(String runId, String writeId, long lease) {
        var marker = Journal.newBuilder()
                .setFormat(EtcdStorage.FORMAT)
                .setWriteId(writeId)
                .build();
        var txn = new Txn.Builder().guard(new Txn.Absent(keys.journal(runId)));
        txn.then(new Txn.Put(keys.journal(runId), marker.toByteString(), lease));
        var r = calls.commit(txn.build());
        return r.isSucceeded() ? r.getHeader().getRevision() : 0;
    }

    /**
     * Decides a locked transition: records its writes as the run's journal, with the stats, if the
     * lock still holds and {@code conditions} (the transition's own, such as its claim key alive) are
     * met.
     *
     * @return whether it was decided (else the lock was lost, or a condition failed)
     * @throws RepositoryException.LimitExceeded when the writes are more than one etcd request carries
     */
    boolean decide(
            String runId,
            long lockRevision,
            String writeId,
            List<Txn.Guard> conditions,
            List<Txn.Op> writes,
            long[] delta) {
        var parts = parts(runId, writes);
        var journal = Journal.newBuilder().setFormat(EtcdStorage.FORMAT).setWriteId(writeId);
        if (parts.size() == 1) {
            journal.addAllOps(parts.getFirst());
        } else {
            if (!recordParts(runId, lockRevision, writeId, parts)) {
                return false;
            }
            journal.setParts(parts.size());
        }
        var txn = new Txn.Builder()
                .guard(new Txn.Unchanged(keys.journal(runId), lockRevision))
                .guards(conditions);
        txn.then(new Txn.Put(keys.journal(runId), journal.build().toByteString()));
        var shard = shards.acquire();
        try {
            shard.stage(delta, txn);
            TxnResponse r;
            try {
                r = calls.commit(txn.build());
            } catch (RepositoryException e) {
                shard.markUnknown();
                throw e;
            }
            if (!r.isSucceeded()) {
                shard.failed(r.getGetResponses()); // the shard may be what changed (merged away meanwhile)
                forgetParts(runId, writeId, parts.size());
                return false;
            }
            shard.committed(r.getHeader().getRevision());
            return true;
        } finally {
            shards.release(shard);
        }
    }

    /**
     * The writes as journal ops, cut into parts of at most {@link #PART_BYTES} each (one part for all
     * but the biggest transitions).
     *
     * @throws RepositoryException.LimitExceeded when one write alone is more than one etcd request carries
     */
    private static List<List<WriteOp>> parts(String runId, List<Txn.Op> writes) {
        var parts = new ArrayList<List<WriteOp>>();
        var part = new ArrayList<WriteOp>();
        long bytes = 0;
        for (var w : writes) {
            var op = toWriteOp(w);
            int size = op.getSerializedSize() + 8;
            // A big value (an output stored apart) makes a part, and a chunk, of its own.
            if (size > OversizeResult.MAX_WRITE_BYTES) {
                throw new RepositoryException.LimitExceeded("a transition of run \"" + runId + "\" writes a record of "
                        + size + " bytes, more than etcd accepts in one request");
            }
            if (!part.isEmpty() && bytes + size > PART_BYTES) {
                parts.add(part);
                part = new ArrayList<>();
                bytes = 0;
            }
            part.add(op);
            bytes += size;
        }
        parts.add(part);
        return parts;
    }

    /** Records the parts of a decision, while the lock holds; false when it was lost (nothing is left behind). */
    private boolean recordParts(String runId, long lockRevision, String writeId, List<List<WriteOp>> parts) {
        var puts = new ArrayList<CompletableFuture<TxnResponse>>();
        for (int i = 0; i < parts.size(); i++) {
            var part = Journal.newBuilder()
                    .setFormat(EtcdStorage.FORMAT)
                    .setWriteId(writeId)
                    .addAllOps(parts.get(i))
                    .build();
            var txn = new Txn.Builder().guard(new Txn.Unchanged(keys.journal(runId), lockRevision));
            txn.then(new Txn.Put(keys.journalPart(runId, writeId, i), part.toByteString()));
            puts.add(calls.send(txn.build()));
        }
        boolean recorded = true;
        for (var p : puts) {
            recorded &= calls.await(p).isSucceeded();
        }
        if (!recorded) {
            forgetParts(runId, writeId, parts.size());
        }
        return recorded;
    }

    /** Deletes the parts of a decision that was not taken (only its decider ever reads them). */
    private void forgetParts(String runId, String writeId, int count) {
        if (count < 2) {
            return;
        }
        for (int i = 0; i < count; i++) {
            calls.kv().delete(Keys.bytes(keys.journalPart(runId, writeId, i)));
        }
    }

    /** Unlocks a run whose transition was not decided, unless the lock already went (with its lease). */
    void unlock(String runId, long lockRevision) {
        var txn = new Txn.Builder().guard(new Txn.Unchanged(keys.journal(runId), lockRevision));
        txn.then(new Txn.Delete(keys.journal(runId)));
        calls.send(txn.build());
    }

    /**
     * Waits until the run's journal is applied by the instance that decided it (which applies it at
     * once, in a fraction of a second); applies it itself if it is still there after {@link #PATIENCE},
     * as when its decider died. Everyone applying at once would write every chunk once per waiting
     * transition (each of them idempotent, but each announcing its ready nodes again).
     */
    void await(String runId) {
        long giveUp = System.nanoTime() + PATIENCE.toNanos();
        long pauseMs = 5;
        while (!calls.closed()) {
            if (calls.get(keys.journal(runId), EtcdCalls.COUNT).getCount() == 0) {
                return;
            }
            if (System.nanoTime() > giveUp) {
                apply(runId);
                return;
            }
            EtcdCalls.pause(pauseMs);
            pauseMs = Math.min(50, pauseMs * 2);
        }
    }

    /**
     * Applies the run's journal, if any: all its chunks at once, each in a transaction guarded by the
     * journal's mod revision, then deletes the journal. While the journal exists the run is frozen, so
     * a chunk applied twice, by two appliers that found the same journal, writes the same values
     * again: harmless. A journal still being prepared (no writes yet) is waited for; its lock dies
     * with its writer's lease.
     */
    void apply(String runId) {
        var journalKey = keys.journal(runId);
        int chunk = calls.settings().maxTxnOps() - Txn.RESERVE;
        long deadline =
                System.nanoTime() + calls.settings().leaseTtl().multipliedBy(3).toNanos();
        while (!calls.closed()) {
            var found = calls.get(journalKey).getKvs();
            if (found.isEmpty()) {
                return;
            }
            var journal = EtcdStorage.decode(found.getFirst(), Journal::parseFrom);
            if (journal.getOpsCount() == 0 && journal.getParts() == 0) {
                if (System.nanoTime() > deadline) {
                    throw new RepositoryException.Contention(
                            "run " + runId + " is locked by a transition that does not finish");
                }
                EtcdCalls.pause(20);
                continue;
            }
            var thisJournal = new Txn.Unchanged(journalKey, found.getFirst().getModRevision());
            var writes = writes(calls, keys, runId, journal);
            // Outputs stored apart first: a record that refers to one, once applied, can be read (and
            // its node claimed) at once. Written once and never changed, they are safe to write early.
            var outputs = new ArrayList<Txn.Op>();
            var rest = new ArrayList<Txn.Op>();
            for (var w : writes) {
                (w.key().startsWith(keys.root + "outputs/") ? outputs : rest).add(w);
            }
            boolean applied = applyAll(thisJournal, outputs, chunk) && applyAll(thisJournal, rest, chunk);
            if (applied) {
                var delete = new Txn.Builder().guard(thisJournal);
                delete.then(new Txn.Delete(journalKey));
                for (int i = 0; i < journal.getParts(); i++) {
                    delete.then(new Txn.Delete(keys.journalPart(runId, journal.getWriteId(), i)));
                }
                if (calls.commit(delete.build()).isSucceeded()) {
                    return;
                }
            }
            // Another applier finished it meanwhile (or it was replaced): look again.
        }
    }

    /** Applies writes in chunks, all sent at once, each guarded by the journal; whether all applied. */
    private boolean applyAll(Txn.Unchanged thisJournal, List<Txn.Op> writes, int chunk) {
        var commits = new ArrayList<CompletableFuture<TxnResponse>>();
        for (var part : chunks(writes, chunk)) {
            commits.add(calls.send(new Txn.Builder()
                    .guard(thisJournal)
                    .thenAll(withHints(part))
                    .build()));
        }
        boolean applied = true;
        for (var c : commits) {
            applied &= calls.await(c).isSucceeded();
        }
        return applied;
    }

    /**
     * The journal's writes, read from its parts when it has them: for its appliers, and for a reader
     * that shows the run as the journal leaves it (Inspect).
     */
    static List<Txn.Op> writes(EtcdCalls calls, Keys keys, String runId, Journal journal) {
        if (journal.getParts() == 0) {
            return writes(journal);
        }
        var reads = new ArrayList<CompletableFuture<io.etcd.jetcd.kv.GetResponse>>();
        for (int i = 0; i < journal.getParts(); i++) {
            reads.add(calls.kv().get(Keys.bytes(keys.journalPart(runId, journal.getWriteId(), i))));
        }
        var out = new ArrayList<Txn.Op>();
        for (int i = 0; i < reads.size(); i++) {
            var kvs = calls.await(reads.get(i)).getKvs();
            if (kvs.isEmpty()) {
                throw new RepositoryException.StorageFormat(
                        "etcd key " + keys.journal(runId) + " names part " + i + " of its writes, which is missing");
            }
            out.addAll(writes(EtcdStorage.decode(kvs.getFirst(), Journal::parseFrom)));
        }
        return out;
    }

    private static List<Txn.Op> writes(Journal journal) {
        var out = new ArrayList<Txn.Op>(journal.getOpsCount());
        for (var w : journal.getOpsList()) {
            var key = w.getKey().toStringUtf8();
            out.add(w.getDelete() ? new Txn.Delete(key) : new Txn.Put(key, w.getValue(), w.getLease()));
        }
        return out;
    }

    /** The writes in transactions of at most {@code maxOps} operations and {@link Txn#MAX_BYTES} bytes. */
    private static List<List<Txn.Op>> chunks(List<Txn.Op> writes, int maxOps) {
        var chunks = new ArrayList<List<Txn.Op>>();
        var chunk = new ArrayList<Txn.Op>();
        long bytes = 0;
        for (var w : writes) {
            long size =
                    w.key().length() + 64L + (w instanceof Txn.Put p ? p.value().size() : 0);
            if (!chunk.isEmpty() && (chunk.size() >= maxOps || bytes + size > Txn.MAX_BYTES)) {
                chunks.add(chunk);
                chunk = new ArrayList<>();
                bytes = 0;
            }
            chunk.add(w);
            bytes += size;
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        return chunks;
    }

    private static WriteOp toWriteOp(Txn.Op op) {
        var b = WriteOp.newBuilder().setKey(ByteString.copyFromUtf8(op.key()));
        return switch (op) {
            case Txn.Put p -> b.setValue(p.value()).setLease(p.lease()).build();
            case Txn.Delete d -> b.setDelete(true).build();
            default -> throw new IllegalArgumentException("a journal records writes only: " + op);
        };
    }

    /**
     * A journal chunk with the records it writes copied into the index entries it writes beside them
     * (IndexEntry.record, as a single transaction's plan does): the journal itself stays without the
     * copies, which would double its size, and the chunk commits both in one revision.
     */
    private List<Txn.Op> withHints(List<Txn.Op> writes) {
        var records = new HashMap<String, ByteString>();
        for (var w : writes) {
            if (w instanceof Txn.Put p && p.key().startsWith(keys.root + "nodes/")) {
                records.put(p.key(), p.value());
            }
        }
        if (records.isEmpty()) {
            return writes;
        }
        var out = new ArrayList<Txn.Op>(writes.size());
        for (var w : writes) {
            out.add(w instanceof Txn.Put p ? withHint(p, records) : w);
        }
        return out;
    }

    private Txn.Put withHint(Txn.Put put, HashMap<String, ByteString> records) {
        var key = put.key();
        String prefix =
                key.startsWith(keys.ready()) ? keys.ready() : key.startsWith(keys.orphaned()) ? keys.orphaned() : null;
        if (prefix == null) {
            return put;
        }
        var ref = Keys.runAndNode(prefix, key);
        var record = records.get(keys.node(ref[0], ref[1]));
        if (record == null || record.size() > EtcdStorage.MAX_HINT_BYTES) {
            return put;
        }
        try {
            var entry = IndexEntry.parseFrom(put.value());
            if (entry.hasRecord()) {
                return put;
            }
            return new Txn.Put(
                    key,
                    entry.toBuilder()
                            .setRecord(NodeRecord.parseFrom(record))
                            .build()
                            .toByteString(),
                    put.lease());
        } catch (InvalidProtocolBufferException e) {
            return put; // not ours to fix here: written as it is, read (and reported) by the watcher
        }
    }
}
