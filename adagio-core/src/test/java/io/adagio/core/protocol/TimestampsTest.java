package io.adagio.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    @Test
    void formatsRfc3339InUtcWithNineFractionDigits() {
        assertThat(Timestamps.format(Instant.parse("2026-11-27T15:34:23.123456789Z")))
                .isEqualTo("2026-11-27T15:34:23.123456789Z");
        assertThat(Timestamps.format(Instant.parse("2026-11-27T15:34:23Z")))
                .isEqualTo("2026-11-27T15:34:23.000000000Z");
        assertThat(Timestamps.format(Instant.parse("2026-11-27T15:34:23.5Z")))
                .isEqualTo("2026-11-27T15:34:23.500000000Z");
        assertThat(Timestamps.format(null)).isEmpty();
    }

    @Test
    void parsesAnyRfc3339Offset() {
        assertThat(Timestamps.parse("2026-11-27T16:34:23.1+01:00"))
                .isEqualTo(Instant.parse("2026-11-27T15:34:23.100Z"));
        assertThat(Timestamps.parse("2026-11-27T15:34:23Z")).isEqualTo(Instant.parse("2026-11-27T15:34:23Z"));
        assertThat(Timestamps.parse("")).isNull();
        assertThat(Timestamps.parse(null)).isNull();
        assertThatThrownBy(() -> Timestamps.parse("yesterday")).isInstanceOf(DateTimeParseException.class);
    }

    @Test
    void roundTripsThroughTextAndNanoseconds() {
        for (var t : new Instant[] {
            Instant.parse("2026-11-27T15:34:23.123456789Z"),
            Instant.EPOCH,
            Instant.parse("1969-12-31T23:59:59.999999999Z"),
            Instant.parse("2262-04-11T23:47:16.854775807Z")
        }) {
            assertThat(Timestamps.parse(Timestamps.format(t))).isEqualTo(t);
            assertThat(Timestamps.fromNanos(Timestamps.toNanos(t))).isEqualTo(t);
        }
        assertThat(Timestamps.toNanos(Instant.parse("1970-01-01T00:00:01.000000002Z")))
                .isEqualTo(1_000_000_002L);
        assertThat(Timestamps.toNanos(Instant.parse("1969-12-31T23:59:59.999999999Z")))
                .isEqualTo(-1L);
        assertThat(Timestamps.fromNanos(-1)).isEqualTo(Instant.parse("1969-12-31T23:59:59.999999999Z"));
        assertThatThrownBy(() -> Timestamps.toNanos(Instant.parse("2262-04-11T23:47:16.854775808Z")))
                .isInstanceOf(ArithmeticException.class);
    }
}
