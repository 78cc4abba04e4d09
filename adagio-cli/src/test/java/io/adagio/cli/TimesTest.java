package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimesTest {
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @Test
    void readsGoStyleDurations() {
        assertThat(Times.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Times.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Times.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Times.parseDuration("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(Times.parseDuration("0s")).isZero();
    }

    @Test
    void readsInstantsAsTimestampsDatesOrDurationsAgo() {
        assertThat(Times.parseInstant("2025-05-31T10:00:00+02:00", NOW))
                .isEqualTo(Instant.parse("2025-05-31T08:00:00Z"));
        assertThat(Times.parseInstant("2025-05-31", NOW)).isEqualTo(Instant.parse("2025-05-31T00:00:00Z"));
        assertThat(Times.parseInstant("1h", NOW)).isEqualTo(Instant.parse("2025-06-01T11:00:00Z"));
    }

    @Test
    void refusesAnythingElseNamingIt() {
        for (var bad : new String[] {"", "yesterday", "1x", "h", "10", "1h 30m"}) {
            assertThatThrownBy(() -> Times.parseDuration(bad))
                    .as(bad)
                    .hasMessageContaining("\"" + bad + "\"")
                    .hasMessageContaining("duration");
        }
    }

    @Test
    void printsDurationsShort() {
        assertThat(Times.duration(Duration.ofMillis(7))).isEqualTo("7ms");
        assertThat(Times.duration(Duration.ofMillis(1234))).isEqualTo("1.23s");
        assertThat(Times.duration(Duration.ofMillis(12_345))).isEqualTo("12.3s");
        assertThat(Times.duration(Duration.ofSeconds(125))).isEqualTo("2m05s");
        assertThat(Times.duration(Duration.ofMinutes(184))).isEqualTo("3h04m");
    }

    /** The durations as String.format printed them before they were formatted by hand. */
    @Test
    void durationsAreThoseStringFormatPrints() {
        for (long ms = 0; ms < 200_000; ms++) {
            assertThat(Times.duration(Duration.ofMillis(ms))).isEqualTo(formatted(ms));
        }
        for (long ms = 200_000; ms < 400_000_000_000L; ms = ms * 3 / 2 + 7) {
            assertThat(Times.duration(Duration.ofMillis(ms))).isEqualTo(formatted(ms));
        }
    }

    private static String formatted(long ms) {
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

    @Test
    void shortTimesAreThoseOfTheFormatter() {
        var formatter = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
                .withZone(java.time.ZoneOffset.UTC);
        var random = new java.util.Random(3);
        for (int i = 0; i < 20_000; i++) {
            var t = Instant.ofEpochSecond(
                    random.nextLong(-70_000_000_000L, 300_000_000_000L), random.nextInt(1_000_000_000));
            assertThat(Times.shortTime(t))
                    .isEqualTo(formatter.format(t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
        }
        assertThat(Times.shortTime(Instant.parse("2025-06-01T12:00:03.999Z"))).isEqualTo("2025-06-01T12:00:03Z");
        assertThat(Times.shortTime(null)).isEqualTo("-");
    }
}
