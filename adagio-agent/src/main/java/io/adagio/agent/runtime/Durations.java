package io.adagio.agent.runtime;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Durations as Adagio's metadata spells them: Go's {@code time.ParseDuration} syntax ({@code 250ms},
 * {@code 2s}, {@code 1m30s}, {@code 1.5h}; units ns, us, µs, ms, s, m, h; optional sign) or a
 * plain integer of nanoseconds.
 */
public final class Durations {
    private static final Pattern NANOS = Pattern.compile("[+-]?\\d+");
    private static final Pattern WHOLE =
            Pattern.compile("[+-]?(?:(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:ns|us|µs|μs|ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> UNIT_NANOS = Map.of(
            "ns",
            1L,
            "us",
            1_000L,
            "µs",
            1_000L,
            "μs",
            1_000L,
            "ms",
            1_000_000L,
            "s",
            1_000_000_000L,
            "m",
            60_000_000_000L,
            "h",
            3_600_000_000_000L);
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private Durations() {}

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException naming the text when it is not a duration
     */
    public static Duration parse(String text) {
        var s = text.strip();
        if (NANOS.matcher(s).matches()) {
            try {
                return Duration.ofNanos(Long.parseLong(s));
            } catch (NumberFormatException e) {
                throw tooLarge(text);
            }
        }
        if (!WHOLE.matcher(s).matches()) {
            throw new IllegalArgumentException(
                    "\"" + text + "\" is not a duration (like 250ms, 2s, 1m30s, or an integer of nanoseconds)");
        }
        boolean negative = s.startsWith("-");
        var total = BigDecimal.ZERO;
        var parts = PART.matcher(s);
        while (parts.find()) {
            total = total.add(new BigDecimal(parts.group(1).endsWith(".") ? parts.group(1) + "0" : parts.group(1))
                    .multiply(BigDecimal.valueOf(UNIT_NANOS.get(parts.group(2)))));
        }
        // Like Go, fractions of a nanosecond are dropped.
        var nanos = total.toBigInteger();
        if (nanos.compareTo(MAX) > 0) {
            throw tooLarge(text);
        }
        return Duration.ofNanos(negative ? -nanos.longValueExact() : nanos.longValueExact());
    }

    /** Go's spelling of a duration: {@code 1m30s}, {@code 250ms}, {@code 0s}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        var sign = d.isNegative() ? "-" : "";
        d = d.abs();
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            long ns = d.toNanos();
            if (ns % 1_000_000 == 0) {
                return sign + ns / 1_000_000 + "ms";
            }
            if (ns % 1_000 == 0) {
                return sign + ns / 1_000 + "µs";
            }
            return sign + ns + "ns";
        }
        var out = new StringBuilder(sign);
        if (d.toHours() > 0) {
            out.append(d.toHours()).append('h');
        }
        if (d.toHours() > 0 || d.toMinutesPart() > 0) {
            out.append(d.toMinutesPart()).append('m');
        }
        out.append(d.toSecondsPart());
        if (d.toNanosPart() != 0) {
            out.append('.').append(String.format("%09d", d.toNanosPart()).replaceFirst("0+$", ""));
        }
        return out.append('s').toString();
    }

    private static IllegalArgumentException tooLarge(String text) {
        return new IllegalArgumentException("\"" + text + "\" is too long a duration (at most about 292 years)");
    }
}
