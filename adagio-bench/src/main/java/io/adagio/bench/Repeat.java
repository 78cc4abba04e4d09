package io.adagio.bench;

/**
 * Trials long enough that a moment of other load on the machine does not decide them. Each trial
 * starts after a full collection, so that none pays for the garbage of the trial before it.
 */
final class Repeat {
    private Repeat() {}

    /** A full collection, so that the next trial starts with an empty young generation. */
    static void settle() {
        System.gc();
    }

    interface Execution {
        /** Executes the workload once, afresh; returns the nanoseconds it took. */
        long nanos() throws Exception;
    }

    /**
     * Nodes per second of one trial: the workload executed again and again until the trial has
     * lasted {@code minSeconds}, collecting whatever garbage it makes as it goes.
     */
    static double nodesPerSecond(Workload w, double minSeconds, Execution execution) throws Exception {
        long nanos = 0;
        long nodes = 0;
        long min = (long) (minSeconds * 1e9);
        do {
            nanos += execution.nanos();
            nodes += w.nodes();
        } while (nanos < min);
        return nodes / (nanos / 1e9);
    }
}
