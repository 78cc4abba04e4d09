package io.adagio.daemon;

import java.lang.management.ManagementFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the Java heap back once adagiod goes idle after a burst of work (docs/PERFORMANCE.md,
 * "the idle heap trim"). Under load the heap grows to what bursts need, and the serial collector
 * keeps every page it touched until a full collection shrinks it; an idle daemon holds a fraction
 * of that. When the process has allocated next to nothing for a few seconds after a burst, full
 * collections compact the heap and the collector shrinks it to the free ratio {@code bin/adagiod}
 * sets. One trim per burst at most, and at most one in ten seconds: a daemon that stays busy is never
 * trimmed, one that stays idle once.
 */
final class IdleHeapTrim {
    private static final Logger log = LoggerFactory.getLogger(IdleHeapTrim.class);

    /** Allocating less than this in a tick (a second) is idle: the agents' polls and timers. */
    static final long TRICKLE_BYTES = 1L << 20;
    /** Idle ticks in a row before a trim. */
    static final int QUIET_TICKS = 3;
    /**
     * Ticks from one trim to the next at the soonest: a load that comes and goes pays at most one
     * trim (200-300 ms) in this many seconds.
     */
    static final int MIN_TICKS_APART = 10;

    private final LongSupplier allocatedBytes;
    private final Runnable trim;
    private long lastAllocated;
    private int quietTicks;
    private int ticksSinceTrim = MIN_TICKS_APART;
    private boolean busySinceTrim;

    /**
     * @param allocatedBytes the bytes the process allocated so far (only its growth is used)
     * @param trim           what gives the heap back
     */
    IdleHeapTrim(LongSupplier allocatedBytes, Runnable trim) {
        this.allocatedBytes = allocatedBytes;
        this.trim = trim;
        this.lastAllocated = allocatedBytes.getAsLong();
    }

    /**
     * Starts ticking every second on a daemon thread, when the JVM can tell how much its threads
     * allocated; otherwise does nothing.
     */
    static void startIfSupported() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)
                || !threads.isThreadAllocatedMemorySupported()
                || !threads.isThreadAllocatedMemoryEnabled()) {
            log.debug("idle heap trim off: this JVM does not count allocated bytes");
            return;
        }
        var idle = new IdleHeapTrim(threads::getTotalThreadAllocatedBytes, IdleHeapTrim::collectAndShrink);
        var ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("adagiod-idle-heap-trim").daemon().factory());
        ticker.scheduleWithFixedDelay(idle::tick, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Full collections until the heap has shrunk. The serial collector damps its shrinking, so that
     * programs calling System.gc() between phases do not give back what the next phase takes again:
     * none of the excess at the first full collection in a row, 10 % at the second, 40 % at the
     * third, all of it at the fourth. Four take 200-300 ms with a 20 MiB live heap, at a time nothing
     * else runs.
     */
    static void collectAndShrink() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
    }

    /** One second's look: busy, or idle long enough after a burst to trim. */
    void tick() {
        long now = allocatedBytes.getAsLong();
        long allocated = now - lastAllocated;
        lastAllocated = now;
        ticksSinceTrim++;
        if (allocated > TRICKLE_BYTES) {
            busySinceTrim = true;
            quietTicks = 0;
            return;
        }
        quietTicks++;
        if (busySinceTrim && quietTicks >= QUIET_TICKS && ticksSinceTrim >= MIN_TICKS_APART) {
            busySinceTrim = false;
            ticksSinceTrim = 0;
            trim.run();
            // What the collections allocated themselves is not a burst.
            lastAllocated = allocatedBytes.getAsLong();
        }
    }
}
