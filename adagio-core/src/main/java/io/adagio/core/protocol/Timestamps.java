package io.adagio.core.protocol;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/** RFC 3339 timestamps with nanoseconds, as the wire model carries them. */
public final class Timestamps {
    private static final DateTimeFormatter RFC3339_NANOS = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 9, 9, true)
            .appendOffsetId()
            .toFormatter()
            .withZone(ZoneOffset.UTC);

    private Timestamps() {}

    /** {@code 2026-11-27T15:34:23.123456789Z}; empty for null. */
    public static String format(Instant t) {
        return t == null ? "" : RFC3339_NANOS.format(t);
    }

    /** Parses any RFC 3339 timestamp; null for empty. */
    public static Instant parse(String s) {
        return s == null || s.isEmpty() ? null : DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(s, Instant::from);
    }

    public static long toNanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }

    public static Instant fromNanos(long ns) {
        return Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
    }
}
