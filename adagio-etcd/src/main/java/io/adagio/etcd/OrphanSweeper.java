package io.adagio.etcd;

import static io.adagio.etcd.Keys.bytes;
import static io.adagio.etcd.Keys.text;

import io.adagio.core.protocol.Transition;
import io.adagio.core.repository.RepositoryException;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what dead processes left behind and repairs it: RUNNING nodes whose claim key is gone (their
 * holder's lease ended) are orphaned, journals left half applied are applied, wide fan-ins whose
 * promotion was cut short are promoted. Reads the running index, the claim keys, the journals and the
 * tallies, never all nodes.
 *
 * <p>An agent process sweeps when it first subscribes, whenever an instance's lease ends, and every
 * {@link EtcdSettings#housekeepingPeriod()}. A claim key lives on its holder's lease, and so does the
 * holder's instance key (registered with every lease it is granted), so etcd deletes them in one
 * revision when the lease ends: one watch of the instance keys tells of it. Watching the claim keys
 * themselves would send every agent process two events for every node any agent finishes.
 *
 * <p>A sweep also releases this instance's own stranded claims ({@link StrandedClaims}).
 */
final class OrphanSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanSweeper.class);

    private final EtcdCalls calls;
    private final Keys keys;
    private final Journals journals;
    private final TransitionRunner runner;
    private final FanIns fanIns;
    private final Background background;
    private final InstantSource clock;
    private final StrandedClaims stranded;
    private final Object watchLock = new Object();
    private final AtomicBoolean sweepPending = new AtomicBoolean();
    private Watch.Watcher watcher; // guarded by watchLock

    OrphanSweeper(
            EtcdCalls calls,
            Keys keys,
            Journals journals,
            TransitionRunner runner,
            FanIns fanIns,
            Background background,
            InstantSource clock,
            StrandedClaims stranded) {
        this.clock = clock;
        this.stranded = stranded;
        this.calls = calls;
        this.keys = keys;
        this.journals = journals;
        this.runner = runner;
        this.fanIns = fanIns;
        this.background = background;
    }

    /**
     * Sweeps once.
     *
     * @return the etcd revision the sweep saw
     */
    long sweep() {
        calls.ensureOpen();
        var txn = new Txn.Builder();
        txn.then(new Txn.KeysWithPrefix(keys.running()));
        txn.then(new Txn.KeysWithPrefix(keys.claims()));
        txn.then(new Txn.KeysWithPrefix(keys.journals()));
        var r = calls.commit(txn.build());
        var gets = r.getGetResponses();
        for (var kv : gets.get(2).getKvs()) {
            journals.apply(text(kv.getKey()).substring(keys.journals().length()));
        }
        var claimed = new HashSet<String>();
        for (var kv : gets.get(1).getKvs()) {
            claimed.add(text(kv.getKey()).substring(keys.claims().length()));
        }
        for (var e : stranded.stranded(gets.get(1).getKvs(), keys.claims()).entrySet()) {
            if (release(e.getKey(), e.getValue())) {
                claimed.remove(e.getKey());
            }
        }
        int orphaned = 0;
        for (var kv : gets.get(0).getKvs()) {
            var ref = text(kv.getKey()).substring(keys.running().length());
            if (!claimed.contains(ref)) {
                var parts = Keys.runAndNode("", ref);
                orphanIfLost(parts[0], parts[1]);
                orphaned++;
            }
        }
        if (orphaned > 0) {
            LOG.info("recovered {} node(s) orphaned while nobody watched", orphaned);
        }
        int promoted = fanIns.promoteStuck();
        if (promoted > 0) {
            LOG.info("promoted {} wide fan-in node(s) whose last upstream's finisher did not", promoted);
        }
        return r.getHeader().getRevision();
    }

    /** Deletes a stranded claim's key, unless it changed since it was seen; whether it did. */
    private boolean release(String ref, long modRevision) {
        var key = keys.claims() + ref;
        var txn = new Txn.Builder().guard(new Txn.Unchanged(key, modRevision));
        txn.then(new Txn.Delete(key));
        boolean released = calls.commit(txn.build()).isSucceeded();
        if (released) {
            var parts = Keys.runAndNode("", ref);
            LOG.warn(
                    "node {} of run {} was claimed through this process, but nothing here runs it: claim released,"
                            + " the node is orphaned",
                    parts[1],
                    parts[0]);
        }
        return released;
    }

    /** Orphans the node if it is RUNNING and its claim key is gone; a node whose claim lives is left alone. */
    private void orphanIfLost(String runId, String node) {
        try {
            runner.run(runId, new Transition.OrphanNode(node, clock.instant()), null, Map.of());
        } catch (RepositoryException.NotFound gone) {
            // the run or node is gone
        }
    }

    /** Starts watching instance keys, after a sweep that recovers orphans nobody saw; once per instance. */
    void ensureWatching() {
        synchronized (watchLock) {
            if (watcher != null || calls.closed()) {
                return;
            }
            long revision = sweep();
            watcher = calls.client()
                    .getWatchClient()
                    .watch(
                            bytes(keys.instances()),
                            WatchOption.builder()
                                    .isPrefix(true)
                                    .withNoPut(true)
                                    .withRevision(revision + 1)
                                    .build(),
                            new Watch.Listener() {
                                @Override
                                public void onNext(WatchResponse response) {
                                    if (response.getEvents().stream()
                                            .anyMatch(e -> e.getEventType() == WatchEvent.EventType.DELETE)) {
                                        sweepSoon();
                                    }
                                }

                                @Override
                                public void onError(Throwable throwable) {
                                    restartWatch("instance watch failed: " + throwable.getMessage());
                                }

                                @Override
                                public void onCompleted() {
                                    restartWatch("instance watch ended");
                                }
                            });
        }
    }

    /** The periodic sweep of an agent process: a net under the instance watch. */
    void sweepQuietly() {
        if (calls.closed()) {
            return;
        }
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.debug("periodic orphan sweep failed: {}", e.getMessage());
        }
    }

    /** Sweeps on a background thread; instances ending together (a machine lost) make one sweep, plus one more. */
    private void sweepSoon() {
        if (calls.closed() || !sweepPending.compareAndSet(false, true)) {
            return;
        }
        background.execute(() -> {
            sweepPending.set(false);
            try {
                sweep();
            } catch (RuntimeException e) {
                LOG.info("orphan sweep after an instance ended failed ({}); retrying", e.getMessage());
                background.retryLater(this::sweep);
            }
        });
    }

    private void restartWatch(String why) {
        if (calls.closed()) {
            return;
        }
        LOG.info("{}; sweeping for orphans and watching again", why);
        synchronized (watchLock) {
            if (watcher != null) {
                watcher.close();
            }
            watcher = null;
        }
        background.retryLater(this::ensureWatching);
    }

    /** Stops watching (before the lease ends, so that this instance does not react to its own end). */
    void close() {
        synchronized (watchLock) {
            if (watcher != null) {
                watcher.close();
            }
        }
    }
}
