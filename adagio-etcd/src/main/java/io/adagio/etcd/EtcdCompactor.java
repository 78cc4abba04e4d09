package io.adagio.etcd;

import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts etcd's history, as Kubernetes' API server does: at each interval it compacts at the
 * revision it observed one interval earlier, so that at least one interval of history stays for
 * watchers to resume from, and everything older (old versions of every key, deleted keys) can be
 * freed. Driven by the process that leads housekeeping ({@link EtcdLeadership}); not thread-safe.
 *
 * <p>etcd's compaction is for the whole cluster, not a namespace: installations sharing one etcd
 * each compact everyone's history older than their own interval. That is harmless to their data;
 * a watcher whose resume revision was compacted starts over from a fresh read (ours do).
 */
public final class EtcdCompactor {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdCompactor.class);
    private static final String COMPACTED = "required revision has been compacted";

    private final EtcdCalls calls;
    private final Keys keys;
    private final Duration interval;
    private long observedRevision;
    private long observedAtNanos;
    private long compactedRevision;
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
     * Compacts if an interval has passed since the last observation (then observes again); the first
     * call only observes.
     *
     * @return the revision compacted at, or 0 when nothing was compacted now
     */
    public long compactIfDue() {
        if (!enabled()) {
            return 0;
        }
        long now = System.nanoTime();
        if (observedRevision != 0 && now - observedAtNanos < interval.toNanos()) {
            return 0;
        }
        long target = observedRevision;
        long current = calls.get(keys.leader()).getHeader().getRevision();
        observedRevision = current;
        observedAtNanos = now;
        if (target <= compactedRevision) {
            return 0;
        }
        try {
            calls.await(calls.client().getKVClient().compact(target));
            compactedRevision = target;
            LOG.debug("compacted etcd's history before revision {} (now at {})", target, current);
            return target;
        } catch (RepositoryException e) {
            var message = String.valueOf(e.getMessage());
            if (message.contains(COMPACTED)) {
                // Someone (another installation, or etcd's own auto-compaction) went further already.
                compactedRevision = target;
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
}
