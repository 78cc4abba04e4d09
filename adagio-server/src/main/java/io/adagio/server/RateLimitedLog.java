package io.adagio.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * One WARN line per interval at most, saying how many more were held back: when the store is away,
 * every request fails the same way, and a line (let alone a stack trace) per request would drown the
 * log and slow the server down while it is already in trouble.
 */
final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong heldBack = new AtomicLong();

    RateLimitedLog(Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    void warn(String message) {
        long now = System.nanoTime();
        long next = nextAt.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !nextAt.compareAndSet(next, now + intervalNanos)) {
            heldBack.incrementAndGet();
            return;
        }
        long more = heldBack.getAndSet(0);
        if (more == 0) {
            log.warn(message);
        } else {
            log.warn("{} (and {} more like it since the last such line)", message, more);
        }
    }
}
