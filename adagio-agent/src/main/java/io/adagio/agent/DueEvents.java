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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events handed to the workers again later, by a timer instead of anyone asking the repository again
 * and again: a retry waiting out its backoff at its not-before time (one timer per node and time,
 * however often the node is announced); an event that came before its node was claimable (see
 * {@link Claimer.Early}) after a pause that doubles, a bounded number of times.
 */
final class DueEvents {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    /** The least wait before handing over again an event a claim found not due (its clock runs a little behind). */
    private static final Duration MIN_WAIT = Duration.ofMillis(20);

    /** The first pause before an early event is handed over again; it doubles up to {@link #EARLY_MAX_WAIT}. */
    private static final Duration EARLY_FIRST_WAIT = Duration.ofMillis(20);

    private static final Duration EARLY_MAX_WAIT = Duration.ofSeconds(2);
    /**
     * How often an early event is handed over again before it is taken as stale: about a minute, more
     * than a big start takes from its first root's announcement to its run record on a busy etcd.
     */
    static final int EARLY_TRIES = 36;

    private record Key(String runId, String node, Instant notBefore) {}

    private record NodeKey(String runId, String node) {}

    private final ScheduledExecutorService timer;
    private final InstantSource clock;
    private final Consumer<Event> onDue;
    private final Set<Key> pending = ConcurrentHashMap.newKeySet();
    /** Early events handed over again, by node: how many times so far. */
    private final ConcurrentHashMap<NodeKey, Integer> early = new ConcurrentHashMap<>();

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

    /**
     * Hands {@code event} over again after a pause, its node not being claimable yet; after
     * {@link #EARLY_TRIES} times the event is taken as stale and dropped.
     */
    void retryEarly(Event event) {
        var key = new NodeKey(event.runId(), event.node().name());
        int tries = early.merge(key, 1, Integer::sum);
        if (tries > EARLY_TRIES) {
            early.remove(key);
            log.debug(
                    "node {} of run {} still not claimable after {} tries: the event was stale",
                    event.node().name(),
                    event.runId(),
                    EARLY_TRIES);
            return;
        }
        var wait = EARLY_FIRST_WAIT.multipliedBy(1L << Math.min(tries - 1, 10));
        schedule(null, event, wait.compareTo(EARLY_MAX_WAIT) > 0 ? EARLY_MAX_WAIT : wait);
    }

    /** The event's node was claimed or lost to another agent: it is no longer early. */
    void settled(Event event) {
        if (!early.isEmpty()) {
            early.remove(new NodeKey(event.runId(), event.node().name()));
        }
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
