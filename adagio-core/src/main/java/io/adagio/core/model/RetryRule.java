package io.adagio.core.model;

import java.time.Duration;

/**
 * How many attempts may end in one condition, the first included, and how long to wait before the
 * next one.
 *
 * @param backoff the wait before each further attempt, or null: the next attempt is claimable at once
 */
public record RetryRule(int maxAttempts, Backoff backoff) {
    public RetryRule(int maxAttempts) {
        this(maxAttempts, null);
    }

    public static RetryRule maxAttempts(int n) {
        return new RetryRule(n);
    }

    public RetryRule withBackoff(Backoff b) {
        return new RetryRule(maxAttempts, b);
    }

    /**
     * The wait before the attempt after the {@code n}-th one that ended in the rule's condition:
     * {@code initial × multiplier^(n−1)}, capped at {@code maximum}.
     *
     * @param initial    the first wait; validation requires it greater than 0
     * @param maximum    the longest wait, or null for {@link #CAP}
     * @param multiplier how much each wait grows; 0 means {@value #DEFAULT_MULTIPLIER}, else at least 1
     */
    public record Backoff(Duration initial, Duration maximum, double multiplier) {
        public static final double DEFAULT_MULTIPLIER = 2;
        /** The longest wait when the rule sets no maximum: the wait never grows past a day. */
        public static final Duration CAP = Duration.ofHours(24);

        public static Backoff of(Duration initial) {
            return new Backoff(initial, null, 0);
        }

        /** Waits that double from {@code initial}, never longer than {@code maximum}. */
        public static Backoff exponential(Duration initial, Duration maximum) {
            return new Backoff(initial, maximum, DEFAULT_MULTIPLIER);
        }

        /** The same wait before every further attempt. */
        public static Backoff fixed(Duration wait) {
            return new Backoff(wait, wait, 1);
        }

        /** The multiplier that applies: {@value #DEFAULT_MULTIPLIER} when none is given. */
        public double effectiveMultiplier() {
            return multiplier == 0 ? DEFAULT_MULTIPLIER : multiplier;
        }

        /** The wait after the {@code n}-th attempt in the condition (n ≥ 1). */
        public Duration delay(int n) {
            var cap = maximum != null ? maximum : CAP;
            double nanos = initial.toNanos() * Math.pow(effectiveMultiplier(), Math.max(0, n - 1));
            if (!(nanos < cap.toNanos())) { // also NaN and infinity
                return cap;
            }
            return Duration.ofNanos((long) nanos);
        }
    }
}
