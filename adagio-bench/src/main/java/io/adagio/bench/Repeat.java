package io.adagio.bench;

/** Trials long enough that a moment of other load on the machine does not decide them. */
final class Repeat {
    private Repeat() {}

    interface Execution {
        /** Executes the workload once, afresh; returns the nanoseconds it took. */
        long nanos() throws Exception;
    }

    /**
     * Nodes per second of one trial: the workload executed again and again until the trial has
     * lasted {@code minSeconds}. A full collection before each execution, so that none is charged
     * for the garbage of the one before (each side of a comparison alike).
     */
    static double nodesPerSecond(Workload w, double minSeconds, Execution execution) throws Exception {
        long nanos = 0;
        long nodes = 0;
        long min = (long) (minSeconds * 1e9);
        do {
            System.gc();
            nanos += execution.nanos();
            nodes += w.nodes();
        } while (nanos < min);
        return nodes / (nanos / 1e9);
    }
}
