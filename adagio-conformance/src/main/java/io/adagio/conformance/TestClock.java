package io.adagio.conformance;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The clock a repository under test reads: the real time moved on by however much a test
 * {@linkplain #advance advanced} it. Time keeps flowing (leases, deadlines and run ids behave as in
 * production), and a test makes a retry's backoff run out at once instead of sleeping through it.
 */
public final class TestClock implements InstantSource {
    private final AtomicLong offsetNanos = new AtomicLong();

    @Override
    public Instant instant() {
        return Instant.now().plusNanos(offsetNanos.get());
    }

    /** Moves the clock on by {@code d}, for every reader at once. */
    public void advance(Duration d) {
        offsetNanos.addAndGet(d.toNanos());
    }
}
