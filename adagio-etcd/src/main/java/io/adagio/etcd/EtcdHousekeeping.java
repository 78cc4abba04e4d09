package io.adagio.etcd;

import java.time.Duration;

/**
 * What the etcd backend offers the process that keeps an installation healthy for the long haul:
 * the election of the one process that does it ({@link EtcdLeadership}), finishing deletes cut
 * short, compaction of etcd's history ({@link EtcdCompactor}) and how full etcd is
 * ({@link EtcdQuota}). Get it from {@link EtcdRepository#housekeeping()}.
 */
public final class EtcdHousekeeping {
    private final EtcdCalls calls;
    private final Keys keys;
    private final RunDeleter deleter;
    private final EtcdLeadership leadership;

    EtcdHousekeeping(EtcdCalls calls, Keys keys, Leases leases, RunDeleter deleter, String instanceId) {
        this.calls = calls;
        this.keys = keys;
        this.deleter = deleter;
        this.leadership = new EtcdLeadership(calls, keys, leases, instanceId);
    }

    public EtcdLeadership leadership() {
        return leadership;
    }

    /**
     * Finishes the deletes of big runs that were cut short (the process deleting them died): their
     * records are gone already, so they are invisible; this removes the rest of their keys.
     *
     * @return how many it finished
     */
    public int finishInterruptedDeletes() {
        calls.ensureOpen();
        return deleter.resumeAll();
    }

    /** A compactor at {@code interval} (0: etcd compacts itself, this one never does). */
    public EtcdCompactor compactor(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("a compaction interval cannot be negative: " + interval);
        }
        return new EtcdCompactor(calls, keys, interval);
    }

    /** A reader of etcd's size against {@code quotaBytes}, which should match etcd's --quota-backend-bytes. */
    public EtcdQuota quota(long quotaBytes) {
        if (quotaBytes < 0) {
            throw new IllegalArgumentException("a quota cannot be negative: " + quotaBytes);
        }
        return new EtcdQuota(calls, quotaBytes);
    }
}
