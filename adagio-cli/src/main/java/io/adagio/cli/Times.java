package io.adagio.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
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
        return t == null ? "-" : SECONDS.format(t.truncatedTo(ChronoUnit.SECONDS));
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
        if (ms < 10_000) {
            return String.format(java.util.Locale.ROOT, "%.2fs", ms / 1000.0);
        }
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 3600) {
            return String.format(java.util.Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(java.util.Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
