package io.adagio.etcd;

import static io.adagio.etcd.Keys.bytes;
import static io.adagio.etcd.Keys.text;

import io.adagio.core.model.Run;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.protocol.Step;
import io.adagio.core.protocol.Transition;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.RunRecord;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the run-wide transitions (cancel, rerun) on etcd: reads the whole run at one revision (its
 * record, its journal marker and every node record, a page at a time), lets {@link Protocol} decide,
 * and writes the nodes that change with their indexes, the stats, and the run record's cancel mark.
 * A small change commits in one transaction guarded by the revision of every record it changes and
 * of the run record; a bigger one goes through the run's journal ({@link Journals}: the run locked,
 * read again, decided, applied in chunks), so no etcd request is ever over its limits.
 *
 * <p>Only the records a step changes are compared: the others are COMPLETED nodes, which nothing
 * but a run-wide transition changes, and those write the run record, which is compared.
 */
final class RunWideRunner {
    private static final Logger LOG = LoggerFactory.getLogger(RunWideRunner.class);

    private final EtcdCalls calls;
    private final Keys keys;
    private final Leases leases;
    private final CounterShards shards;
    private final Journals journals;
    private final TransitionPlanner planner;
    private final WriteIds writeIds;
    private final RunReader reader;

    RunWideRunner(
            EtcdCalls calls,
            Keys keys,
            Leases leases,
            CounterShards shards,
            Journals journals,
            TransitionPlanner planner,
            WriteIds writeIds,
            RunReader reader) {
        this.calls = calls;
        this.keys = keys;
        this.leases = leases;
        this.shards = shards;
        this.journals = journals;
        this.planner = planner;
        this.writeIds = writeIds;
        this.reader = reader;
    }

    /** What a decided step writes: the planned writes, the run record's, and the records it changed. */
    private record Writes(TransitionPlanner.Plan plan, List<Txn.Op> all, List<String> changed) {}

    /**
     * Applies the transition and answers the run as it is afterwards.
     *
     * @throws RepositoryException.NotFound           when the run does not exist
     * @throws RepositoryException.FailedPrecondition when the protocol refuses (a rerun of a run not completed)
     */
    Run run(String runId, Transition.OfRun transition) {
        long deadline = System.nanoTime()
                + calls.settings().requestTimeout().multipliedBy(3).toNanos();
        for (int attempt = 0; ; attempt++) {
            calls.ensureOpen();
            if (attempt > 0 && System.nanoTime() > deadline) {
                throw new RepositoryException.Contention("etcd: gave up on " + describe(transition) + " of run \""
                        + runId + "\" after " + attempt + " conflicting attempts");
            }
            var whole = read(runId);
            if (whole.journal()) {
                journals.await(runId);
                continue;
            }
            var step = Protocol.apply(whole, transition);
            String writeId = writeIds.next();
            var writes = writes(whole, step, writeId, true);
            if (writes == null) {
                return reader.inspect(runId);
            }
            var plan = writes.plan();
            boolean fits = plan.guards().size() + 1 <= calls.settings().maxTxnOps()
                    && writes.all().size() + Txn.RESERVE <= calls.settings().maxTxnOps()
                    && sizeOf(writes.all()) < Txn.MAX_BYTES;
            if (fits ? commit(runId, writes, writeId) : locked(runId, transition)) {
                LOG.debug(
                        "{} of run {} applied ({} nodes changed)",
                        describe(transition),
                        runId,
                        step.changes().size());
                return reader.inspect(runId);
            }
            LOG.debug("{} of run {} conflicted; deciding it again", describe(transition), runId);
        }
    }

    /** The whole run at one revision; NotFound when it has no record (unknown, or its start was cut short). */
    private WholeRunView read(String runId) {
        var txn = new Txn.Builder();
        txn.then(new Txn.Get(keys.run(runId)));
        txn.then(new Txn.Count(keys.journal(runId)));
        txn.then(new Txn.GetPrefix(keys.nodes(runId), RunReader.PAGE));
        var r = calls.commit(txn.build());
        var gets = r.getGetResponses();
        if (gets.get(0).getKvs().isEmpty()) {
            throw RepositoryException.NotFound.run(runId);
        }
        var records = new ArrayList<StoredNode>();
        var page = gets.get(2);
        while (true) {
            for (var kv : page.getKvs()) {
                records.add(EtcdStorage.node(kv));
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                break;
            }
            page = nextPage(runId, page, r.getHeader().getRevision());
        }
        return new WholeRunView(
                runId, gets.get(0).getKvs().getFirst(), gets.get(1).getCount() > 0, records);
    }

    private GetResponse nextPage(String runId, GetResponse page, long revision) {
        var after = text(page.getKvs().getLast().getKey()) + "\u0000";
        return calls.get(
                after,
                GetOption.builder()
                        .withRange(bytes(keys.nodes(runId) + "\uffff"))
                        .withRevision(revision)
                        .withLimit(RunReader.PAGE)
                        .build());
    }

    /**
     * The writes of a decided step, or null when it changes nothing.
     *
     * @param withHints whether ready entries carry the record written beside them (a journal's
     *                  appliers add them instead)
     */
    private Writes writes(WholeRunView whole, Step step, String writeId, boolean withHints) {
        var runKv = whole.runRecord();
        var record = EtcdStorage.decode(runKv, RunRecord::parseFrom);
        boolean cancelled = switch (step.cancelMark()) {
            case SET -> true;
            case CLEARED -> false;
            case UNCHANGED -> record.getCancelled();
        };
        if (step.changes().isEmpty() && cancelled == record.getCancelled()) {
            return null;
        }
        var changed = new LinkedHashMap<String, StoredNode>();
        for (var c : step.changes()) {
            changed.put(c.node(), whole.stored(c.node()));
        }
        var runKey = keys.run(whole.runId());
        var plan = planner.plan(
                whole.runId(),
                null,
                List.of(new Txn.Unchanged(runKey, runKv.getModRevision())),
                step.changes(),
                changed,
                writeId,
                0,
                withHints);
        var all = new ArrayList<>(plan.writes());
        // The record is rewritten by every run-wide change, even when its cancelled mark stays: a
        // delete that read the run completed is guarded by the record's revision (RunDeleter), and a
        // rerun makes a completed run live again.
        all.add(new Txn.Put(
                runKey, record.toBuilder().setCancelled(cancelled).build().toByteString()));
        return new Writes(plan, all, List.copyOf(changed.keySet()));
    }

    /** Commits a step that fits one transaction; false when a record it read changed meanwhile. */
    private boolean commit(String runId, Writes writes, String writeId) {
        var txn = new Txn.Builder().guards(writes.plan().guards()).thenAll(writes.all());
        var shard = shards.acquire();
        TxnResponse response;
        try {
            shard.stage(writes.plan().delta(), txn);
            try {
                response = calls.commit(txn.build());
            } catch (RepositoryException.Unavailable e) {
                shard.markUnknown();
                // The commit may or may not have applied: a record it wrote tells.
                if (applied(runId, writes, writeId)) {
                    return true;
                }
                throw e;
            }
            if (response.isSucceeded()) {
                shard.committed(response.getHeader().getRevision());
            } else {
                shard.failed(response.getGetResponses());
            }
        } finally {
            shards.release(shard);
        }
        return response.isSucceeded();
    }

    /** Whether the commit of {@code writes} applied, as one of the records it changed says. */
    private boolean applied(String runId, Writes writes, String writeId) {
        if (writes.changed().isEmpty()) {
            return false; // only the mark changed: deciding again finds it so and changes nothing
        }
        try {
            var kvs = calls.get(keys.node(runId, writes.changed().getFirst())).getKvs();
            return !kvs.isEmpty()
                    && writeId.equals(EtcdStorage.node(kvs.getFirst()).record().getLastWrite());
        } catch (RepositoryException e) {
            return false;
        }
    }

    /**
     * A step too big for one transaction, decided under the run's journal lock on fresh reads and
     * applied in chunks; false when the lock could not be taken or was lost (the caller reads again).
     */
    private boolean locked(String runId, Transition.OfRun transition) {
        String writeId = writeIds.next();
        long lock = journals.lock(runId, writeId, leases.current());
        if (lock == 0) {
            return false;
        }
        boolean decided = false;
        try {
            // Read under the lock: the run is frozen, every other transition of it waits.
            var whole = read(runId);
            var step = Protocol.apply(whole, transition);
            var writes = writes(whole, step, writeId, false);
            if (writes == null) {
                return true;
            }
            decided = journals.decide(
                    runId, lock, writeId, List.of(), writes.all(), writes.plan().delta());
            if (!decided) {
                return false;
            }
            journals.apply(runId);
            return true;
        } finally {
            if (!decided) {
                journals.unlock(runId, lock);
            }
        }
    }

    private static long sizeOf(List<Txn.Op> writes) {
        long bytes = 0;
        for (var w : writes) {
            bytes +=
                    w.key().length() + 64L + (w instanceof Txn.Put p ? p.value().size() : 0);
        }
        return bytes;
    }

    private static String describe(Transition.OfRun transition) {
        return switch (transition) {
            case Transition.CancelRun t -> "cancel";
            case Transition.RerunRun t -> "rerun";
        };
    }
}
