package io.adagio.core.model;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Durations written the way a graph spec writes them (the protobuf JSON form): seconds with the
 * fraction they need, {@code 30s}, {@code 1.5s}, {@code 0.25s}. Messages quote a spec's timeout or
 * backoff in the form its author typed.
 */
public final class DurationText {
    private DurationText() {}

    /** {@code 30s}, {@code 1.5s}, {@code 0.000000001s}, {@code -2s}. */
    public static String format(Duration d) {
        var seconds = BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9));
        var text = seconds.stripTrailingZeros().toPlainString();
        return text + "s";
    }
}
