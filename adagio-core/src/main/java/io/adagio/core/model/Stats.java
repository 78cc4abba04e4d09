package io.adagio.core.model;

/** Totals across all runs: how many runs, and how many nodes in each status. */
public record Stats(long runCount, NodeCounts nodeCounts) {

    public record NodeCounts(long waiting, long ready, long running, long completed, long orphaned) {
        public static final NodeCounts ZERO = new NodeCounts(0, 0, 0, 0, 0);

        public long total() {
            return waiting + ready + running + completed + orphaned;
        }
    }
}
