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
}
