package io.adagio.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, added from many threads, read as percentiles. */
final class Latencies {
    private long[] samples = new long[1024];
    private int size;

    synchronized void add(long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = nanos;
    }

    /** The samples so far, sorted; empties the collector. */
    synchronized long[] drain() {
        var out = Arrays.copyOf(samples, size);
        size = 0;
        Arrays.sort(out);
        return out;
    }

    /** The {@code p}-th percentile (0-100, nearest rank) of sorted samples, in milliseconds. */
    static double percentileMs(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)] / 1e6;
    }
}
