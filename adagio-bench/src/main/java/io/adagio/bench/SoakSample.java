package io.adagio.bench;

/**
 * The state of a soak at one moment.
 *
 * @param seconds       since the workload began
 * @param completedRuns runs completed so far (those still stored and those retention deleted)
 * @param runsPerSecond runs completed per second since the sample before
 * @param storedRuns    runs stored now (retention keeps this bounded)
 * @param dbBytes       etcd's database size (NaN with the memory backend)
 * @param dbInUseBytes  the part of it in use (NaN with the memory backend)
 * @param heapBytes     the daemon's heap in use (garbage included)
 * @param liveHeapBytes the daemon's heap right after a full collection (NaN when none was forced)
 * @param rssMiB        the daemon's resident memory
 */
record SoakSample(
        double seconds,
        long completedRuns,
        double runsPerSecond,
        long storedRuns,
        double dbBytes,
        double dbInUseBytes,
        double heapBytes,
        double liveHeapBytes,
        double rssMiB) {

    static String csvHeader() {
        return "seconds,completed_runs,runs_per_second,stored_runs,db_bytes,db_in_use_bytes,heap_bytes,"
                + "live_heap_bytes,rss_mib";
    }

    String csv() {
        return String.format(
                java.util.Locale.ROOT,
                "%.1f,%d,%.1f,%d,%.0f,%.0f,%.0f,%.0f,%.1f",
                seconds,
                completedRuns,
                runsPerSecond,
                storedRuns,
                dbBytes,
                dbInUseBytes,
                heapBytes,
                liveHeapBytes,
                rssMiB);
    }
}
