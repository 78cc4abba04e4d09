package io.adagio.client.workflow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A call of the built-in {@code debug} runtime: it concludes as told, optionally after a sleep, and
 * optionally by chance. Useful for trying workflows and for tests. Immutable: each method returns a
 * new call.
 *
 * <pre>{@code
 * Debug.success()                                   // succeeds at once
 * Debug.fail().sleep(Duration.ofMillis(250))        // fails after 250 ms
 * Debug.success().chance(0.5, Debug.Chance.FAIL)    // fails half of the time
 * }</pre>
 */
public record Debug(Map<String, List<String>> arguments) implements RuntimeCall {
    public static final String RUNTIME = "debug";

    /** How a debug node concludes when no chance applies. */
    public enum Conclusion {
        SUCCESS,
        FAIL,
        ERROR
    }

    /** What may happen by chance: conclude FAIL or ERROR, or throw inside the runtime (recorded as ERROR). */
    public enum Chance {
        FAIL,
        ERROR,
        PANIC
    }

    public Debug {
        arguments = Arguments.copyOf(arguments);
    }

    /** A debug call with no arguments: the runtime's defaults (succeed at once). */
    public static Debug call() {
        return new Debug(Map.of());
    }

    public static Debug success() {
        return conclusion(Conclusion.SUCCESS);
    }

    public static Debug fail() {
        return conclusion(Conclusion.FAIL);
    }

    public static Debug error() {
        return conclusion(Conclusion.ERROR);
    }

    public static Debug conclusion(Conclusion conclusion) {
        return call().concluding(conclusion);
    }

    @Override
    public String runtime() {
        return RUNTIME;
    }

    /** This call concluding with {@code conclusion}. */
    public Debug concluding(Conclusion conclusion) {
        return new Debug(Arguments.with(
                arguments, "conclusion", List.of(conclusion.name().toLowerCase(Locale.ROOT))));
    }

    /** This call sleeping for {@code duration} before it concludes. */
    public Debug sleep(Duration duration) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException("a debug sleep must not be negative, got " + duration);
        }
        return new Debug(Arguments.with(arguments, "sleep", List.of(goDuration(duration))));
    }

    /** This call also concluding as {@code what} with probability {@code probability} (0 to 1). */
    public Debug chance(double probability, Chance what) {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("a chance is a probability from 0 to 1, got " + probability);
        }
        var chances = new ArrayList<>(arguments.getOrDefault("chances", List.of()));
        chances.add(probability + " " + what.name().toLowerCase(Locale.ROOT));
        return new Debug(Arguments.with(arguments, "chances", chances));
    }

    /** {@code 250ms}, {@code 2s}, or plain nanoseconds, the spellings the runtime reads. */
    static String goDuration(Duration d) {
        long nanos = d.toNanos();
        if (nanos != 0 && nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        return Long.toString(nanos);
    }
}
