package io.adagio.etcd;

import static io.adagio.etcd.Keys.text;

import io.adagio.core.protocol.Timestamps;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.DeletingRecord;
import io.adagio.etcd.storage.RunRecord;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.options.GetOption;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes completed runs.
 *
 * <p>Whether a run has completed is read without its nodes: every node that is READY, RUNNING or
 * orphaned has an index key (ready, running, orphaned), a wide fan-in waiting for its promotion has
 * a tally key, and a big transition under way has a journal; a WAITING node always waits on one of
 * those (or on a node that does). So a run with none of these keys, read in one request at one
 * revision, has completed, and nothing changes a completed run except a rerun, which rewrites the
 * run record. The delete is then guarded by the run record's mod revision and the journal's
 * absence, and removes the record in its first transaction, with the run's stats (so the run is
 * gone for Inspect, ListRuns, Stats and claims from that commit on).
 *
 * <p>A run of up to {@value #ONE_TRANSACTION_KEYS} nodes and edges goes in that one transaction
 * (the usual case: two requests in all). A bigger one leaves a deleting marker in its place and
 * its keys are removed a page at a time, the marker last; a delete cut short (a crash) is finished
 * by whoever finds the marker ({@link #resumeAll}, or a delete of the same id). Nothing of a
 * half-deleted run looks alive: its record is gone.
 */
final class RunDeleter {
    private static final Logger LOG = LoggerFactory.getLogger(RunDeleter.class);
    /** At most this many keys of a run (nodes and the inputs of its edges) are deleted by one transaction. */
    static final int ONE_TRANSACTION_KEYS = 1000;

    private final EtcdCalls calls;
    private final Keys keys;
    private final CounterShards shards;
    private final Journals journals;

    RunDeleter(EtcdCalls calls, Keys keys, CounterShards shards, Journals journals) {
        this.calls = calls;
        this.keys = keys;
        this.shards = shards;
        this.journals = journals;
    }

    /**
     * @throws RepositoryException.NotFound           when there is no such run (or another delete took it)
     * @throws RepositoryException.FailedPrecondition when the run has not completed
     */
    void delete(String runId) {
        long deadline = System.nanoTime()
                + calls.settings().requestTimeout().multipliedBy(3).toNanos();
        while (true) {
            calls.ensureOpen();
            var look = new Txn.Builder();
            look.then(new Txn.Get(keys.run(runId)));
            look.then(new Txn.Count(keys.journal(runId)));
            look.then(new Txn.Count(keys.deleting(runId)));
            for (var prefix : livePrefixes(runId)) {
                look.then(new Txn.CountPrefix(prefix));
            }
            var gets = calls.commit(look.build()).getGetResponses();
            if (gets.get(0).getKvs().isEmpty()) {
                if (gets.get(2).getCount() > 0) {
                    removeRest(runId); // a delete cut short: finish it
                    return;
                }
                throw RepositoryException.NotFound.run(runId);
            }
            if (gets.get(1).getCount() > 0) {
                journals.await(runId);
                continue;
            }
            for (int i = 3; i < gets.size(); i++) {
                if (gets.get(i).getCount() > 0) {
                    throw RepositoryException.FailedPrecondition.deleteBeforeCompletion(runId);
                }
            }
            var kv = gets.get(0).getKvs().getFirst();
            var record = EtcdStorage.decode(kv, RunRecord::parseFrom);
            boolean small = (long) record.getNodeCount() + record.getEdgeCount() <= ONE_TRANSACTION_KEYS;
            if (removeRecord(runId, record, kv.getModRevision(), small)) {
                if (!small) {
                    removeRest(runId);
                }
                LOG.debug("deleted run {} ({} nodes)", runId, record.getNodeCount());
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new RepositoryException.Contention(
                        "etcd: gave up deleting run \"" + runId + "\" after repeated conflicts");
            }
            // The run changed since the look (a rerun, a journal, another delete): look again.
        }
    }

    /**
     * Finishes every delete that was cut short (its marker still there).
     *
     * @return how many it finished
     */
    int resumeAll() {
        int finished = 0;
        for (var kv : calls.get(keys.deletings(), EtcdCalls.KEYS_WITH_PREFIX).getKvs()) {
            var runId = text(kv.getKey()).substring(keys.deletings().length());
            removeRest(runId);
            finished++;
        }
        if (finished > 0) {
            LOG.info("finished {} run deletion(s) that had been cut short", finished);
        }
        return finished;
    }

    /** The prefixes whose keys exist only while a run has not completed. */
    private List<String> livePrefixes(String runId) {
        return List.of(
                keys.ready() + runId + "/",
                keys.running() + runId + "/",
                keys.orphaned() + runId + "/",
                keys.tallies() + runId + "/");
    }

    /**
     * The guarded first step: the run record goes (with the run's stats), and with it every other key
     * of a small run, or a deleting marker for a big one.
     *
     * @return false when the guard failed (the run changed, or a journal appeared)
     */
    private boolean removeRecord(String runId, RunRecord record, long modRevision, boolean small) {
        long[] delta = new long[CounterShards.FIELDS];
        delta[CounterShards.RUNS] = -1;
        delta[CounterShards.COMPLETED] = -record.getNodeCount();
        var txn = new Txn.Builder()
                .guard(new Txn.Unchanged(keys.run(runId), modRevision))
                .guard(new Txn.Absent(keys.journal(runId)));
        txn.then(new Txn.Delete(keys.run(runId)));
        if (small) {
            for (var prefix : keys.runPrefixes(runId)) {
                txn.then(new Txn.DeletePrefix(prefix));
            }
        } else {
            var marker = DeletingRecord.newBuilder()
                    .setFormat(EtcdStorage.FORMAT)
                    .setDeletedAtNs(Timestamps.toNanos(Instant.now()))
                    .build();
            txn.then(new Txn.Put(keys.deleting(runId), marker.toByteString()));
        }
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
            if (r.isSucceeded()) {
                shard.committed(r.getHeader().getRevision());
                return true;
            }
            shard.failed(r.getGetResponses());
            return false;
        } finally {
            shards.release(shard);
        }
    }

    /** Removes every key of a run whose record is gone, a page at a time, then its marker. */
    private void removeRest(String runId) {
        for (var prefix : keys.runPrefixes(runId)) {
            while (true) {
                calls.ensureOpen();
                var page = calls.get(
                        prefix,
                        GetOption.builder()
                                .isPrefix(true)
                                .withKeysOnly(true)
                                .withLimit(ONE_TRANSACTION_KEYS)
                                .build());
                if (page.getKvs().isEmpty()) {
                    break;
                }
                var last = text(page.getKvs().getLast().getKey());
                var txn = new Txn.Builder();
                txn.then(new Txn.DeleteRange(prefix, last + "\u0000"));
                calls.commit(txn.build());
                if (!page.isMore()) {
                    break;
                }
            }
        }
        var txn = new Txn.Builder();
        txn.then(new Txn.Delete(keys.journal(runId)));
        txn.then(new Txn.Delete(keys.deleting(runId)));
        calls.commit(txn.build());
    }
}
