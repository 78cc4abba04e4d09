package io.adagio.daemon.retention;

import io.adagio.core.model.StorageUsage;
import io.adagio.core.repository.Repository;
import io.adagio.etcd.EtcdCompactor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an installation healthy for the long haul, in every API process: the one process that
 * {@linkplain Leadership leads} applies the retention policy every interval (finishing first any
 * delete that was cut short), and compacts etcd's history when its compactor says it is due; every
 * process reads how full etcd is. One virtual thread; nothing it does can fail a request.
 *
 * <p>Metrics: {@code adagio_housekeeping_leader} (1 in the process that leads),
 * {@code adagio_retention_deleted_runs_total}, {@code adagio_etcd_compactions_total}.
 */
public final class Housekeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Housekeeper.class);
    /** At most this long between two reads of etcd's size. */
    static final Duration STORAGE_PERIOD = Duration.ofSeconds(15);

    /**
     * What the backend adds to retention.
     *
     * @param finishInterruptedDeletes finishes deletes cut short, before each retention pass
     * @param compactor                compacts the store's history, or null
     * @param storage                  reads how full the store is, or null
     */
    public record Chores(Runnable finishInterruptedDeletes, EtcdCompactor compactor, StorageMonitor storage) {
        public static final Chores NONE = new Chores(() -> {}, null, null);
    }

    private final Repository repository;
    private final RetentionPolicy policy;
    private final Duration interval;
    private final Leadership leadership;
    private final Chores chores;
    private final Counter deletedRuns;
    private final Counter compactions;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private volatile boolean leads;
    private volatile boolean closed;
    private boolean failing;
    private long nextRetention;
    private long nextStorage;
    private Thread thread;

    public Housekeeper(
            Repository repository,
            RetentionPolicy policy,
            Duration interval,
            Leadership leadership,
            Chores chores,
            MeterRegistry registry) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the retention interval must be positive, got " + interval);
        }
        this.repository = repository;
        this.policy = policy;
        this.interval = interval;
        this.leadership = leadership;
        this.chores = chores;
        this.deletedRuns = Counter.builder("adagio.retention.deleted.runs")
                .description("completed runs deleted by the retention policy in this process")
                .register(registry);
        this.compactions = Counter.builder("adagio.etcd.compactions")
                .description("compactions of etcd's history made by this process")
                .register(registry);
        Gauge.builder("adagio.housekeeping.leader", this, h -> h.leads ? 1 : 0)
                .description("1 in the one process that applies retention and compacts (the leader)")
                .register(registry);
    }

    public Housekeeper start() {
        LOG.info(
                "retention policy: {}{}{}",
                policy.describe(),
                policy.enabled() ? ", applied every " + io.adagio.agent.runtime.Durations.format(interval) : "",
                chores.compactor() == null || !chores.compactor().enabled()
                        ? ""
                        : "; etcd's history compacted by the process that leads");
        thread = Thread.ofVirtual().name("adagiod-housekeeping").start(this::loop);
        return this;
    }

    /** How full the store is as last read, or null when not known (the memory backend). */
    public StorageUsage storage() {
        return chores.storage() == null ? null : chores.storage().latest();
    }

    /** Whether this process led housekeeping at its last look. */
    public boolean leads() {
        return leads;
    }

    private void loop() {
        while (!closed) {
            round();
            pause(nextPause());
        }
    }

    /** One look: etcd's size when due; the lead; retention and compaction when due and leading. */
    void round() {
        long now = System.nanoTime();
        try {
            if (chores.storage() != null && now - nextStorage >= 0) {
                chores.storage().read();
                nextStorage = now + storagePeriod().toNanos();
            }
            leads = leadership.check();
            if (leads && now - nextRetention >= 0) {
                nextRetention = now + interval.toNanos();
                chores.finishInterruptedDeletes().run();
                retain();
            }
            if (leads && chores.compactor() != null && chores.compactor().compactIfDue() > 0) {
                compactions.increment();
            }
            if (failing) {
                failing = false;
                LOG.info("housekeeping works again");
            }
        } catch (RuntimeException e) {
            leads = false;
            if (!failing) {
                failing = true;
                LOG.warn("housekeeping failed (retrying): {}", e.getMessage());
            } else {
                LOG.debug("housekeeping failed again: {}", e.getMessage());
            }
        }
    }

    private void retain() {
        long began = System.nanoTime();
        var outcome = RetentionPass.apply(repository, policy, Instant.now(), deletedRuns::increment);
        if (outcome.deleted() > 0) {
            LOG.info(
                    "retention deleted {} completed run(s) created {} to {} ({}) in {} ms{}",
                    outcome.deleted(),
                    outcome.oldest(),
                    outcome.newest(),
                    policy.describe(),
                    (System.nanoTime() - began) / 1_000_000,
                    outcome.stillRunning() == 0
                            ? ""
                            : "; " + outcome.stillRunning()
                                    + " run(s) due but still running are kept until they complete");
        }
    }

    private Duration storagePeriod() {
        return interval.compareTo(STORAGE_PERIOD) < 0 ? interval : STORAGE_PERIOD;
    }

    private Duration nextPause() {
        var p = leadership.checkPeriod();
        return p.compareTo(interval) < 0 ? p : interval;
    }

    private void pause(Duration d) {
        lock.lock();
        try {
            if (!closed) {
                wake.awaitNanos(d.toNanos());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the rounds and gives the lead up, so that another process takes it at once. */
    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (leads) {
            leads = false;
            leadership.resign();
        }
    }
}
