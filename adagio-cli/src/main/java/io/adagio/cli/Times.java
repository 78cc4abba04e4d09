package io.adagio.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/** Durations and instants as users read and write them. */
final class Times {
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private Times() {}

    /**
     * A point in time from the command line: an RFC 3339 timestamp ({@code 2025-06-01T12:00:00Z}),
     * a date ({@code 2025-06-01}, midnight UTC), or a duration ago ({@code 90m}, {@code 1h30m}, {@code 2d}).
     */
    static Instant parseInstant(String text, Instant now) {
        String t = text.strip();
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException ignored) {
            // not a timestamp
        }
        try {
            return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException ignored) {
            // not a date
        }
        return now.minus(parseDuration(t));
    }

    /** A Go-style duration: {@code 250ms}, {@code 1h30m}, {@code 2d}, {@code 1.5s}. */
    static Duration parseDuration(String text) {
        String t = text.strip();
        var m = GO_DURATION.matcher(t);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < t.length() && m.find(at) && m.start() == at) {
            double amount = Double.parseDouble(m.group(1));
            long nanosPerUnit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            total = total.plusNanos(Math.round(amount * nanosPerUnit));
            at = m.end();
        }
        if (t.isEmpty() || at != t.length()) {
            throw new IllegalArgumentException("\"" + text + "\" is neither an RFC 3339 time, a date (2025-06-01)"
                    + " nor a duration (90s, 15m, 1h30m, 2d)");
        }
        return total;
    }

    /** {@code 2025-06-01T12:00:03Z}: to the second, UTC, sortable. */
    static String shortTime(Instant t) {
        if (t == null) {
            return "-";
        }
        // By hand for the years of four digits (a listing prints hundreds: the formatter was a
        // good part of a cold listing's time), by the formatter for the others (signed years).
        var utc = LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, ZoneOffset.UTC);
        if (utc.getYear() < 0 || utc.getYear() > 9999) {
            return SECONDS.format(t.truncatedTo(ChronoUnit.SECONDS));
        }
        var b = new StringBuilder(20);
        pad(b, utc.getYear(), 4).append('-');
        pad(b, utc.getMonthValue(), 2).append('-');
        pad(b, utc.getDayOfMonth(), 2).append('T');
        pad(b, utc.getHour(), 2).append(':');
        pad(b, utc.getMinute(), 2).append(':');
        return pad(b, utc.getSecond(), 2).append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder b, long value, int width) {
        String digits = Long.toString(value);
        for (int i = digits.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(digits);
    }

    /** {@code 850ms}, {@code 1.25s}, {@code 2m05s}, {@code 3h04m}: short and about three digits of precision. */
    static String duration(Duration d) {
        if (d == null) {
            return "-";
        }
        long ms = d.toMillis();
        if (ms < 1_000) {
            return ms + "ms";
        }
        // What String.format("%.2fs" / "%.1fs", ms / 1000.0) prints (half up), without a Formatter:
        // a listing prints hundreds of durations.
        if (ms < 10_000) {
            long hundredths = (ms + 5) / 10;
            return hundredths / 100 + "." + pad(new StringBuilder(), hundredths % 100, 2) + "s";
        }
        if (ms < 60_000) {
            long tenths = (ms + 50) / 100;
            return tenths / 10 + "." + tenths % 10 + "s";
        }
        long s = ms / 1000;
        if (s < 3600) {
            return s / 60 + "m" + pad(new StringBuilder(), s % 60, 2) + "s";
        }
        return s / 3600 + "h" + pad(new StringBuilder(), (s % 3600) / 60, 2) + "m";
    }
}
