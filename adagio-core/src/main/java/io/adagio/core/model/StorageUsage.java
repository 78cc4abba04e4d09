package io.adagio.core.model;

/**
 * How full the store is, for operators: its size on disk, how much of that holds live data, the
 * most it may hold, and whether it has stopped taking writes because it is full.
 *
 * @param sizeBytes  the store's size (etcd: the database file of its biggest member)
 * @param inUseBytes of that, the part holding data (the rest is free pages a defragmentation returns);
 *                   -1 when the store does not say
 * @param quotaBytes the most it may hold (etcd: its --quota-backend-bytes), 0 when unlimited
 * @param full       whether it refuses writes for lack of space (etcd's NOSPACE alarm)
 */
public record StorageUsage(long sizeBytes, long inUseBytes, long quotaBytes, boolean full) {
    /** The share of the quota used, 0 to 1 (and beyond when over it); 0 without a quota. */
    public double fractionOfQuota() {
        return quotaBytes <= 0 ? 0 : (double) sizeBytes / quotaBytes;
    }
}
