package io.adagio.agent;

import io.adagio.core.model.Conclusion;

/**
 * What an agent pool has recorded so far.
 *
 * @param succeeded        attempts executed and recorded as SUCCESS
 * @param failed           attempts executed and recorded as FAIL
 * @param errored          attempts executed (or stopped by shutdown) and recorded as ERROR
 * @param orphansRecovered orphaned attempts recorded as ERROR without executing them
 * @param resultsDropped   results not recorded because the claim no longer held the node
 * @param cancelled        attempts stopped because their run was cancelled, recorded as CANCELLED
 */
public record ExecutionCounts(
        long succeeded, long failed, long errored, long orphansRecovered, long resultsDropped, long cancelled) {

    /** Counts without cancelled attempts. */
    public ExecutionCounts(long succeeded, long failed, long errored, long orphansRecovered, long resultsDropped) {
        this(succeeded, failed, errored, orphansRecovered, resultsDropped, 0);
    }

    /** Attempts executed and recorded with {@code conclusion}. */
    public long executed(Conclusion conclusion) {
        return switch (conclusion) {
            case SUCCESS -> succeeded;
            case FAIL -> failed;
            case ERROR -> errored;
            case CANCELLED -> cancelled;
            case NONE -> 0;
        };
    }

    /** Every attempt executed and recorded, whatever its conclusion. */
    public long executed() {
        return succeeded + failed + errored + cancelled;
    }
}
