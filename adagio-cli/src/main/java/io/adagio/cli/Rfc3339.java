package io.adagio.cli;

import io.adagio.core.protocol.Timestamps;
import java.time.Instant;
import java.time.LocalDate;

/**
 * The wire's RFC 3339 timestamps read quickly: a listing holds thousands, and {@link Timestamps#parse}
 * (a {@code DateTimeFormatter}) took most of a cold command's time on them. The form the servers
 * write, {@code 2025-06-01T12:00:03.123456789Z} (or with an offset), is read here; anything else
 * goes to {@link Timestamps#parse}, so the result is always the one it gives.
 */
final class Rfc3339 {
    private Rfc3339() {}

    /** The instant, or null for an empty string (as {@link Timestamps#parse}). */
    static Instant parse(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        int n = s.length();
        if (n < 20
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return Timestamps.parse(s);
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        if (year < 0
                || month < 1
                || month > 12
                || day < 1
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
            return Timestamps.parse(s);
        }
        int at = 19;
        int nanos = 0;
        if (s.charAt(at) == '.') {
            int start = ++at;
            while (at < n && s.charAt(at) >= '0' && s.charAt(at) <= '9') {
                at++;
            }
            int count = at - start;
            if (count == 0 || count > 9) {
                return Timestamps.parse(s);
            }
            nanos = digits(s, start, at);
            for (int i = count; i < 9; i++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (at == n - 1 && s.charAt(at) == 'Z') {
            offsetSeconds = 0;
        } else if (at == n - 6 && (s.charAt(at) == '+' || s.charAt(at) == '-') && s.charAt(at + 3) == ':') {
            int oh = digits(s, at + 1, at + 3);
            int om = digits(s, at + 4, at + 6);
            if (oh < 0 || oh > 18 || om < 0 || om > 59) {
                return Timestamps.parse(s);
            }
            offsetSeconds = (s.charAt(at) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return Timestamps.parse(s);
        }
        if (day > 28 && day > LocalDate.of(year, month, 1).lengthOfMonth()) {
            return Timestamps.parse(s); // it says what is wrong
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600L + minute * 60L + second - offsetSeconds, nanos);
    }

    /** The decimal number in {@code s[from, to)}, or -1 when a character is not a digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
