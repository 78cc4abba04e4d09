package io.adagio.core.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When a watched run's ticks are due: every 100 ms while cheap, spaced by what they hand out when not. */
class TickPacingTest {
    private static final long MS = 1_000_000;
    private final TickPacing pacing = new TickPacing(Duration.ofMillis(100), 200_000, 1_000);

    @Test
    void aCheapFirstChangeAfterAQuietSpellIsPublishedAtOnce() {
        long lastTick = 0;
        long notBefore = pacing.notBefore(lastTick, 10);
        assertThat(pacing.delay(5_000 * MS, notBefore, 1_000, false)).isZero();
    }

    @Test
    void ticksAreAtLeastTheIntervalApart() {
        long notBefore = pacing.notBefore(0, 10);
        assertThat(notBefore).isEqualTo(100 * MS);
        assertThat(pacing.delay(30 * MS, notBefore, 5, false)).isEqualTo(70 * MS);
    }

    @Test
    void aCostlyTickPushesTheNextOneBackByWhatItHandedOut() {
        // 1,000 nodes to 500 watchers: 500,000 node states at 200,000 a second.
        long notBefore = pacing.notBefore(0, 500_000);
        assertThat(notBefore).isEqualTo(2_500 * MS);
        assertThat(pacing.delay(100 * MS, notBefore, 500, false)).isEqualTo(2_400 * MS);
    }

    @Test
    void aCostlyFirstChangeIsGatheredForAsLongAsSendingItWouldTake() {
        long quietSince = 0;
        // A fan-out: 999 nodes made ready at once, 500 watchers.
        assertThat(pacing.delay(10_000 * MS, quietSince, 999L * 500, false)).isEqualTo(2_497_500_000L);
        // 20 nodes to 100 watchers: above cheap, gathered for the interval.
        assertThat(pacing.delay(10_000 * MS, quietSince, 2_000, false)).isEqualTo(100 * MS);
    }

    @Test
    void theChangeThatCompletesTheRunIsPublishedAtOnceWhateverTheRest() {
        long notBefore = pacing.notBefore(0, 500_000);
        assertThat(pacing.delay(1 * MS, notBefore, 500_000, true)).isZero();
    }

    @Test
    void anImpossibleCostDoesNotOverflow() {
        assertThat(pacing.notBefore(0, Long.MAX_VALUE)).isPositive();
        assertThat(pacing.delay(0, 0, Long.MAX_VALUE, false)).isPositive();
    }

    @Test
    void aRateOfNothingIsRefused() {
        assertThatThrownBy(() -> new TickPacing(Duration.ofMillis(100), 0, 1_000))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
