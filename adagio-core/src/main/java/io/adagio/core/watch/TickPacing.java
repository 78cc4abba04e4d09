package io.adagio.core.watch;

import java.time.Duration;

/**
 * When a watched run's next tick is due: what keeps its watchers from costing the run. A tick hands
 * each changed node to each watcher, so its cost is changed nodes × watchers ("node states"), and a
 * wide step watched by hundreds (a fan-out of 1,000 READY nodes, 500 browsers) is hundreds of
 * megabytes of JSON at once. Three rules:
 *
 * <ul>
 *   <li>ticks are at least {@code interval} apart, and further apart after a costly one, so that
 *       the watchers of a run take at most about {@code statesPerSecond} node states per second
 *       (a paced watcher is like a slow one: it gets the latest state of each node that changed);
 *   <li>the first change after a quiet spell is published at once when it is cheap, else gathered
 *       as long as sending it would take at that rate (a wide step is followed at once by more:
 *       the nodes it made ready start and finish);
 *   <li>the change that completes the run is published at once, whatever the rest: it ends every
 *       watch, and whoever waits for the run waits for it.
 * </ul>
 *
 * <p>A pure function of its inputs (times in {@link System#nanoTime()} nanoseconds).
 *
 * @param interval        the least time between two ticks
 * @param statesPerSecond the node states per second a run's watchers take together, at most
 * @param cheap           a first change costing at most this many node states is published at once
 */
record TickPacing(Duration interval, long statesPerSecond, long cheap) {
    /**
     * 100 ms; 100,000 node states per second (about 40 MB of JSON a second at ~400 bytes a node:
     * a fraction of a core, and more than any one watcher needs, a whole 10,000-node run ten times a
     * second); a change of up to 1,000 node states at once. So one watcher follows every step of a
     * 1,000-node fan-out within 100 ms, and 500 watchers of it are sent its state every 5 s at most.
     */
    static final TickPacing DEFAULT = new TickPacing(Duration.ofMillis(100), 100_000, 1_000);

    TickPacing {
        if (interval.isNegative() || statesPerSecond <= 0 || cheap < 0) {
            throw new IllegalArgumentException(
                    "pacing needs a non-negative interval and cheapness and a positive rate");
        }
    }

    /** The earliest next tick after one at {@code tickNanos} that handed out {@code states} node states. */
    long notBefore(long tickNanos, long states) {
        return tickNanos + Math.max(interval.toNanos(), sendingTime(states));
    }

    /**
     * How long from {@code now} until the tick that a change asks for: the first change since the
     * last tick, costing {@code states} node states, with the next tick not due before
     * {@code notBefore}, and {@code completes} when it completes the run.
     */
    long delay(long now, long notBefore, long states, boolean completes) {
        if (completes) {
            return 0;
        }
        long due = notBefore;
        if (states > cheap) {
            due = Math.max(due, now + Math.max(interval.toNanos(), sendingTime(states)));
        }
        return Math.max(0, due - now);
    }

    private long sendingTime(long states) {
        return states >= Long.MAX_VALUE / 1_000_000_000L
                ? Long.MAX_VALUE / 4
                : states * 1_000_000_000L / statesPerSecond;
    }
}
