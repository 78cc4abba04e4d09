package io.adagio.agent;

/**
 * How long something typically takes, lately: a running estimate of the median that tracks a
 * steady change within a few dozen observations and is not moved by a minority of outliers.
 *
 * <p>Why not a mean: on a busy machine a thread is sometimes descheduled in the middle of a call to
 * an in-memory repository, and one such 2 ms call among 5 µs ones lifted a moving average above the
 * background-recording threshold, sending every following result through another thread for
 * nothing. Each observation moves this estimate one step towards itself (a quarter of the estimate,
 * at least {@link #MIN_STEP_NANOS}), however far away it is, so it settles where half of the
 * observations are above it. The first observation is taken as it is.
 *
 * <p>Updates are racy on purpose: the estimate is a hint, and a lost update only delays it by a
 * step.
 */
final class TypicalDuration {
    /** The smallest step, so that the estimate leaves zero (and small values) quickly. */
    static final long MIN_STEP_NANOS = 1_000;

    private volatile long nanos;

    /** Takes one observation into account. */
    void observe(long tookNanos) {
        long estimate = nanos;
        if (estimate == 0) {
            // The first observation is the estimate: one call to a remote repository shows that
            // recording takes a round trip.
            nanos = Math.max(1, tookNanos);
            return;
        }
        long step = Math.max(estimate >> 2, MIN_STEP_NANOS);
        nanos = tookNanos > estimate ? estimate + step : Math.max(1, estimate - step);
    }

    /** The current estimate, in nanoseconds (0 before anything was observed, at least 1 after). */
    long nanos() {
        return nanos;
    }
}
