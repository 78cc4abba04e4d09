package io.adagio.etcd;

import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts etcd's history, keeping one interval of it, as Kubernetes' API server does: it notes the
 * store's revision at every call and compacts at the newest revision it noted at least one interval
 * ago, so that watchers can resume from anywhere in the last interval and everything older (old
 * versions of every key, deleted keys) can be freed. It compacts again once that point has moved on
 * by a tenth of the interval: the history kept stays between one and 1.1 intervals of writes. Driven
 * by the process that leads housekeeping ({@link EtcdLeadership}), a few seconds apart; not
 * thread-safe.
 *
 * <p>etcd's compaction is for the whole cluster, not a namespace: installations sharing one etcd
 * each compact everyone's history older than their own interval. That is harmless to their data;
 * a watcher whose resume revision was compacted starts over from a fresh read (ours do).
 */
public final class EtcdCompactor {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdCompactor.class);
    private static final String COMPACTED = "required revision has been compacted";

    private record Observed(long atNanos, long revision) {}

    private final EtcdCalls calls;
    private final Keys keys;
    private final Duration interval;
    private final ArrayDeque<Observed> observed = new ArrayDeque<>();
    private long compactedRevision;
    private long compactedAtNanos;
    private boolean refusedLogged;

    EtcdCompactor(EtcdCalls calls, Keys keys, Duration interval) {
        this.calls = calls;
        this.keys = keys;
        this.interval = interval;
    }

    /** Whether it compacts at all (an interval of 0 leaves compaction to etcd itself). */
    public boolean enabled() {
        return !interval.isZero();
    }

    /**
     * Notes the current revision and compacts at the newest one noted at least an interval ago, if
     * that moved on enough since the last compaction.
     *
     * @return the revision compacted at, or 0 when nothing was compacted now
     */
    public long compactIfDue() {
        if (!enabled()) {
            return 0;
        }
        long now = System.nanoTime();
        long current = calls.get(keys.leader()).getHeader().getRevision();
        observed.addLast(new Observed(now, current));
        // The newest observation at least an interval old goes to the front; older ones go.
        while (observed.size() > 1 && now - secondOldest().atNanos() >= interval.toNanos()) {
            observed.removeFirst();
        }
        var target = observed.getFirst();
        boolean oldEnough = now - target.atNanos() >= interval.toNanos();
        boolean movedOn = compactedRevision == 0 || target.atNanos() - compactedAtNanos >= interval.toNanos() / 10;
        if (!oldEnough || !movedOn || target.revision() <= compactedRevision) {
            return 0;
        }
        try {
            calls.await(calls.client().getKVClient().compact(target.revision()));
            compactedRevision = target.revision();
            compactedAtNanos = target.atNanos();
            LOG.debug("compacted etcd's history before revision {} (now at {})", target.revision(), current);
            return target.revision();
        } catch (RepositoryException e) {
            var message = String.valueOf(e.getMessage());
            if (message.contains(COMPACTED)) {
                // Someone (another installation, or etcd's own auto-compaction) went further already.
                compactedRevision = target.revision();
                compactedAtNanos = target.atNanos();
                return 0;
            }
            if (e instanceof RepositoryException.AccessDenied) {
                if (!refusedLogged) {
                    refusedLogged = true;
                    LOG.warn(
                            "etcd refused to compact its history for this user ({}): let etcd compact itself"
                                    + " (--auto-compaction-retention) and set -etcd-compaction-interval 0",
                            message);
                }
                return 0;
            }
            throw e;
        }
    }

    private Observed secondOldest() {
        var it = observed.iterator();
        it.next();
        return it.next();
    }
}
