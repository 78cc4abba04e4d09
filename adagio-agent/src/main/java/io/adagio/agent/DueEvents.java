package io.adagio.agent;

import io.adagio.core.model.Event;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Retries waiting out their backoff: a NODE_READY event whose node is not claimable before a
 * not-before time is handed to the workers at that time, by a timer (one per node and time, however
 * often the node is announced), instead of anyone asking the repository again and again.
 */
final class DueEvents {
    /** The least wait before handing over again an event a claim found not due (its clock runs a little behind). */
    private static final Duration MIN_WAIT = Duration.ofMillis(20);

    private record Key(String runId, String node, Instant notBefore) {}

    private final ScheduledExecutorService timer;
    private final InstantSource clock;
    private final Consumer<Event> onDue;
    private final Set<Key> pending = ConcurrentHashMap.newKeySet();

    DueEvents(ScheduledExecutorService timer, InstantSource clock, Consumer<Event> onDue) {
        this.timer = timer;
        this.clock = clock;
        this.onDue = onDue;
    }

    /** Hands {@code event} over now if {@code notBefore} has passed, else at that time. */
    void at(Instant notBefore, Event event) {
        var wait = Duration.between(clock.instant(), notBefore);
        if (wait.isNegative() || wait.isZero()) {
            onDue.accept(event);
            return;
        }
        schedule(notBefore, event, wait);
    }

    /** Hands {@code event} over at {@code notBefore}, and not at once even if it seems due here. */
    void retryAt(Instant notBefore, Event event) {
        var wait = Duration.between(clock.instant(), notBefore);
        schedule(notBefore, event, wait.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : wait);
    }

    /** The number of events waiting for their time. */
    int pending() {
        return pending.size();
    }

    private void schedule(Instant notBefore, Event event, Duration wait) {
        var key = new Key(event.runId(), event.node().name(), notBefore);
        if (!pending.add(key)) {
            return; // announced again: one timer is enough
        }
        try {
            timer.schedule(
                    () -> {
                        pending.remove(key);
                        onDue.accept(event);
                    },
                    wait.toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            pending.remove(key); // shutting down
        }
    }
}
