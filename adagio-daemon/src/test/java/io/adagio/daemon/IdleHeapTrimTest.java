package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When the idle heap trim gives the heap back: once after each burst, never while busy. */
class IdleHeapTrimTest {
    private final AtomicLong allocated = new AtomicLong();
    private final AtomicInteger trims = new AtomicInteger();
    private final IdleHeapTrim idle = new IdleHeapTrim(allocated::get, () -> {
        trims.incrementAndGet();
        allocated.addAndGet(10L << 20); // collecting allocates too: not a burst
    });

    private void ticks(int n, long bytesEach) {
        for (int i = 0; i < n; i++) {
            allocated.addAndGet(bytesEach);
            idle.tick();
        }
    }

    @Test
    void aDaemonIdleFromTheStartIsNeverTrimmed() {
        ticks(100, 1024);
        assertThat(trims).hasValue(0);
    }

    @Test
    void aBurstIsFollowedByOneTrimOnceTheDaemonHasBeenQuietForAFewSeconds() {
        ticks(5, 50L << 20);
        ticks(IdleHeapTrim.QUIET_TICKS - 1, 1024);
        assertThat(trims).as("not quiet long enough yet").hasValue(0);
        ticks(1, 1024);
        assertThat(trims).hasValue(1);
        ticks(200, 1024);
        assertThat(trims).as("staying idle").hasValue(1);
    }

    @Test
    void aDaemonThatStaysBusyIsNeverTrimmed() {
        for (int i = 0; i < 100; i++) {
            ticks(IdleHeapTrim.QUIET_TICKS - 1, 1024);
            ticks(1, IdleHeapTrim.TRICKLE_BYTES + 1);
        }
        assertThat(trims).hasValue(0);
    }

    @Test
    void eachLaterBurstIsTrimmedAgainButNotSoonerThanTenSecondsAfterTheLastTrim() {
        ticks(1, 50L << 20);
        ticks(IdleHeapTrim.QUIET_TICKS, 0);
        assertThat(trims).hasValue(1);

        ticks(1, 50L << 20);
        ticks(IdleHeapTrim.QUIET_TICKS, 0);
        assertThat(trims).as("a second burst right after the trim").hasValue(1);
        ticks(IdleHeapTrim.MIN_TICKS_APART, 0);
        assertThat(trims).as("ten seconds after the first trim").hasValue(2);
    }
}
