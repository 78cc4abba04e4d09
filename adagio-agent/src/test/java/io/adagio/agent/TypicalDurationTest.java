package io.adagio.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TypicalDurationTest {
    private static final long MICRO = 1_000;
    private static final long THRESHOLD = 200 * MICRO;

    @Test
    void aSteadilySlowCallCrossesTheThresholdWithinAFewDozenCalls() {
        var typical = new TypicalDuration();
        int calls = 0;
        while (typical.nanos() < THRESHOLD) {
            typical.observe(1_000 * MICRO);
            calls++;
            assertThat(calls).as("calls before the estimate reached 200 µs").isLessThanOrEqualTo(30);
        }
    }

    @Test
    void theFirstObservationIsTheEstimate() {
        var typical = new TypicalDuration();
        assertThat(typical.nanos()).isZero();
        typical.observe(100_000 * MICRO);
        assertThat(typical.nanos()).isEqualTo(100_000 * MICRO);
    }

    @Test
    void aColdFirstCallIsForgottenWithinAFewDozenFastOnes() {
        var typical = new TypicalDuration();
        typical.observe(20_000 * MICRO);
        for (int i = 0; i < 40; i++) {
            typical.observe(5 * MICRO);
        }
        assertThat(typical.nanos()).isLessThan(THRESHOLD);
    }

    @Test
    void aMinorityOfOutliersDoesNotLiftAFastCallAboveTheThreshold() {
        var typical = new TypicalDuration();
        long highest = 0;
        for (int i = 0; i < 10_000; i++) {
            // Every third call descheduled for 5 ms: a mean would settle near 1.7 ms.
            typical.observe(i % 3 == 2 ? 5_000 * MICRO : 5 * MICRO);
            if (i > 100) {
                highest = Math.max(highest, typical.nanos());
            }
        }
        assertThat(highest).isLessThan(THRESHOLD);
    }

    @Test
    void itComesDownAgainOnceCallsAreFastAgain() {
        var typical = new TypicalDuration();
        for (int i = 0; i < 100; i++) {
            typical.observe(2_000 * MICRO);
        }
        assertThat(typical.nanos()).isGreaterThan(THRESHOLD);
        for (int i = 0; i < 30; i++) {
            typical.observe(5 * MICRO);
        }
        assertThat(typical.nanos()).isLessThan(THRESHOLD);
    }

    @Test
    void itSettlesBetweenTheFasterAndTheSlowerHalf() {
        var typical = new TypicalDuration();
        for (int i = 0; i < 1_000; i++) {
            typical.observe(i % 2 == 0 ? 100 * MICRO : 400 * MICRO);
        }
        assertThat(typical.nanos()).isBetween(75 * MICRO, 500 * MICRO);
    }
}
