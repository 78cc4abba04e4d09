package io.adagio.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "250ms, 250000000",
        "2s, 2000000000",
        "1m30s, 90000000000",
        "1h, 3600000000000",
        "1.5h, 5400000000000",
        "1h2m3s4ms5us6ns, 3723004005006",
        "3µs, 3000",
        ".5s, 500000000",
        "-1m, -60000000000",
        "0, 0",
        "1500, 1500",
        "' 2s ', 2000000000",
    })
    void parsesGoDurationsAndPlainNanoseconds(String text, long nanos) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "2 s", "1d", "s", "1.2.3s", "ms5", "--1s"})
    void rejectsWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + text + "\"");
    }

    @Test
    void rejectsDurationsTooLongForNanoseconds() {
        assertThatThrownBy(() -> Durations.parse("3000000h")).hasMessageContaining("too long");
        assertThatThrownBy(() -> Durations.parse("99999999999999999999")).hasMessageContaining("too long");
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0s",
        "250000000, 250ms",
        "90000000000, 1m30s",
        "3600000000000, 1h0m0s",
        "1500, 1500ns",
        "2500000000, 2.5s",
        "3000, 3µs"
    })
    void formatsLikeGo(long nanos, String text) {
        assertThat(Durations.format(Duration.ofNanos(nanos))).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    }
}
