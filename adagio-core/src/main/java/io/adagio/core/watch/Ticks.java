package io.adagio.core.watch;

/** Where a feed's ticks run: never on the thread that feeds it a change. */
@FunctionalInterface
interface Ticks {
    /** Runs {@code tick} after {@code delayNanos}; does nothing once the feeds are closed. */
    void after(long delayNanos, Runnable tick);
}
