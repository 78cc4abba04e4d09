package io.adagio.etcd;

import static io.adagio.etcd.Keys.text;

import com.google.protobuf.ByteString;
import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which one of the processes sharing a namespace does its housekeeping (retention, compaction): the
 * one whose instance id is under the leader key, put with its liveness lease. A process takes the key
 * when it is absent (one transaction: put if absent, else read), and keeps it as long as its lease
 * lives; when the leader dies its lease runs out, etcd deletes the key, and the next check of another
 * process takes it: a dead leader is replaced within the lease TTL plus one check period.
 *
 * <p>Two processes may both believe they lead for a moment (a leader that lost its lease but has not
 * noticed yet): everything they do as leaders is safe to do twice (deletes are guarded, compaction
 * at an older revision is refused), so leadership only keeps the work from being done many times
 * over, it does not guard correctness.
 */
public final class EtcdLeadership {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdLeadership.class);

    private final EtcdCalls calls;
    private final Leases leases;
    private final String key;
    private final String instanceId;
    private volatile long leaderLease;

    EtcdLeadership(EtcdCalls calls, Keys keys, Leases leases, String instanceId) {
        this.calls = calls;
        this.leases = leases;
        this.key = keys.leader();
        this.instanceId = instanceId;
    }

    /** How often a process should {@link #check()}: a quarter of the lease TTL, at most 5 s. */
    public Duration checkPeriod() {
        var quarter = calls.settings().leaseTtl().dividedBy(4);
        return quarter.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : quarter;
    }

    /**
     * Takes the lead if nobody has it, and says whether this process has it: one request.
     *
     * @throws RepositoryException when etcd cannot be asked (then this process does not lead)
     */
    public boolean check() {
        calls.ensureOpen();
        boolean was = leaderLease != 0;
        long lease;
        try {
            lease = leases.current();
            var txn = new Txn.Builder().guard(new Txn.Absent(key));
            txn.then(new Txn.Put(key, ByteString.copyFromUtf8(instanceId), lease));
            txn.otherwise(new Txn.Get(key));
            var r = calls.commit(txn.build());
            boolean leads;
            if (r.isSucceeded()) {
                leads = true;
            } else {
                var kvs = r.getGetResponses().getFirst().getKvs();
                // Ours only under the lease we hold now: a key left by a lease of ours that ended is
                // not (it goes when etcd expires that lease).
                leads = !kvs.isEmpty()
                        && text(kvs.getFirst().getValue()).equals(instanceId)
                        && kvs.getFirst().getLease() == lease;
            }
            leaderLease = leads ? lease : 0;
        } catch (RepositoryException e) {
            leaderLease = 0;
            if (was) {
                LOG.warn("this process no longer leads housekeeping: {}", e.getMessage());
            }
            throw e;
        }
        if (leaderLease != 0 && !was) {
            LOG.info(
                    "this process now leads housekeeping (retention, compaction) of namespace \"{}\"",
                    calls.settings().namespace());
        } else if (leaderLease == 0 && was) {
            LOG.info("this process no longer leads housekeeping: another process took the lead");
        }
        return leaderLease != 0;
    }

    /** Whether this process led at its last {@link #check()} and its lease is still alive. */
    public boolean leads() {
        long lease = leaderLease;
        return lease != 0 && leases.alive(lease);
    }

    /** Gives the lead up now (when this process stops), so that another takes it at its next check. */
    public void resign() {
        long lease = leaderLease;
        leaderLease = 0;
        if (lease == 0 || calls.closed()) {
            return;
        }
        try {
            // Only our own key (put under our lease), and only if nobody replaced it since the read.
            var current = calls.get(key).getKvs();
            if (!current.isEmpty() && current.getFirst().getLease() == lease) {
                var txn = new Txn.Builder()
                        .guard(new Txn.Unchanged(key, current.getFirst().getModRevision()));
                txn.then(new Txn.Delete(key));
                calls.commit(txn.build());
            }
        } catch (RepositoryException e) {
            LOG.debug("could not give up the housekeeping lead: {}", e.getMessage());
        }
    }
}
