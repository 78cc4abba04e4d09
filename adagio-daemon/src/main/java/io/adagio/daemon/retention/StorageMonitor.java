package io.adagio.daemon.retention;

import io.adagio.core.model.StorageUsage;
import io.adagio.etcd.EtcdQuota;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches how full etcd is: reads its size now and then, keeps the last reading for the Stats
 * headers and the metrics ({@code adagio_etcd_db_size_bytes}, {@code adagio_etcd_db_size_in_use_bytes},
 * {@code adagio_etcd_quota_bytes}, {@code adagio_etcd_nospace_alarm}), and warns when it is above
 * {@value #WARN_FRACTION} of the quota (again every {@link #REPEAT} while it stays there) or full.
 */
public final class StorageMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(StorageMonitor.class);
    static final double WARN_FRACTION = 0.8;
    static final Duration REPEAT = Duration.ofMinutes(10);

    private final EtcdQuota quota;
    private volatile StorageUsage latest;
    private long warnedAtNanos;
    private boolean warned;

    public StorageMonitor(EtcdQuota quota, MeterRegistry registry) {
        this.quota = quota;
        Gauge.builder("adagio.etcd.db.size", this, m -> m.value(StorageUsage::sizeBytes))
                .description("etcd's database size (its biggest member), as last read")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("adagio.etcd.db.size.in.use", this, m -> m.value(StorageUsage::inUseBytes))
                .description("the part of etcd's database holding data; the rest is returned by a defragmentation")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("adagio.etcd.quota", this, m -> m.value(StorageUsage::quotaBytes))
                .description("etcd's quota (-etcd-quota-bytes, matching etcd's --quota-backend-bytes)")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("adagio.etcd.nospace.alarm", this, m -> m.value(u -> u.full() ? 1 : 0))
                .description("1 while etcd's NOSPACE alarm is raised (it refuses writes)")
                .register(registry);
    }

    /** The last reading, or null before the first. */
    public StorageUsage latest() {
        return latest;
    }

    /** Reads etcd now; a failure keeps the last reading (and is logged at debug: etcd's own trouble is logged elsewhere). */
    void read() {
        StorageUsage usage;
        try {
            usage = quota.read();
        } catch (RuntimeException e) {
            LOG.debug("could not read etcd's size: {}", e.getMessage());
            return;
        }
        latest = usage;
        boolean high = usage.full() || usage.fractionOfQuota() > WARN_FRACTION;
        long now = System.nanoTime();
        if (high && (!warned || now - warnedAtNanos > REPEAT.toNanos())) {
            warned = true;
            warnedAtNanos = now;
            LOG.warn(
                    "etcd's database is {} MiB, {}% of its {} MiB quota{}: delete runs (a stricter retention policy),"
                            + " compact and defragment etcd, or raise --quota-backend-bytes (and -etcd-quota-bytes);"
                            + " see docs/OPERATIONS.md",
                    usage.sizeBytes() >> 20,
                    Math.round(100 * usage.fractionOfQuota()),
                    usage.quotaBytes() >> 20,
                    usage.full() ? " and its NOSPACE alarm is raised: it refuses every write" : "");
        } else if (!high && warned) {
            warned = false;
            LOG.info(
                    "etcd's database is back below {}% of its quota ({}%)",
                    Math.round(100 * WARN_FRACTION), Math.round(100 * usage.fractionOfQuota()));
        }
    }

    private double value(java.util.function.ToDoubleFunction<StorageUsage> field) {
        var usage = latest;
        return usage == null ? Double.NaN : field.applyAsDouble(usage);
    }
}
