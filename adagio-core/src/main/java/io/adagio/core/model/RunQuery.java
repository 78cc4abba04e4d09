package io.adagio.core.model;

/**
 * Which runs ListRuns returns, newest first.
 *
 * @param startNs  only runs created at or before this instant (Unix nanoseconds); 0 = unbounded
 * @param finishNs only runs created at or after this instant (Unix nanoseconds); 0 = unbounded
 * @param limit    at most this many runs; 0 = unbounded
 */
public record RunQuery(long startNs, long finishNs, long limit) {
    public static final RunQuery ALL = new RunQuery(0, 0, 0);

    public RunQuery {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
    }

    public static RunQuery limit(long limit) {
        return new RunQuery(0, 0, limit);
    }

    public boolean admits(long createdAtNs) {
        return (startNs == 0 || createdAtNs <= startNs) && (finishNs == 0 || createdAtNs >= finishNs);
    }
}
