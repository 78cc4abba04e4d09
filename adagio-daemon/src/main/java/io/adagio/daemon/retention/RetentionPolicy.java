package io.adagio.daemon.retention;

import io.adagio.agent.runtime.Durations;
import java.time.Duration;
import java.time.Instant;

/**
 * Which completed runs are deleted: those older than {@code maxAge}, and those older than the newest
 * {@code maxRuns} runs. Zero disables either rule; a run that has not completed is never deleted.
 */
public record RetentionPolicy(Duration maxAge, long maxRuns) {
    public static final RetentionPolicy NONE = new RetentionPolicy(Duration.ZERO, 0);

    public RetentionPolicy {
        if (maxAge.isNegative() || maxRuns < 0) {
            throw new IllegalArgumentException("a retention policy cannot be negative: " + maxAge + ", " + maxRuns);
        }
    }

    public boolean enabled() {
        return !maxAge.isZero() || maxRuns > 0;
    }

    /** Runs created before this are too old, or null when age does not count. */
    Instant cutoff(Instant now) {
        return maxAge.isZero() ? null : now.minus(maxAge);
    }

    /** "max-age 30d, max-runs 10000", as the options are written. */
    public String describe() {
        if (!enabled()) {
            return "none";
        }
        var age = maxAge.isZero() ? "no max-age" : "max-age " + age(maxAge);
        var runs = maxRuns == 0 ? "no max-runs" : "max-runs " + maxRuns;
        return age + ", " + runs;
    }

    private static String age(Duration d) {
        if (d.toDaysPart() > 0 && d.toHoursPart() == 0 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0) {
            return d.toDaysPart() + "d";
        }
        return Durations.format(d);
    }
}
