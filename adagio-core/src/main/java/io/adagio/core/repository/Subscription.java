package io.adagio.core.repository;

import io.adagio.core.model.Event;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The events delivered to one subscribed agent, in the order the repository produced them.
 *
 * <p>The repository only ever {@link #offer}s (never blocks), so a subscriber that reads slowly or
 * never delays neither the repository nor other subscribers. Events are hints: a consumer learns the
 * truth by claiming, so a duplicate is harmless.
 */
public final class Subscription implements AutoCloseable {
    /** Put in the queue on close so that a consumer blocked in {@link #poll(Duration)} wakes at once. */
    private static final Event CLOSED = new Event(null, null, null);

    private final io.adagio.core.model.Agent agent;
    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Runnable onClose;

    public Subscription(io.adagio.core.model.Agent agent, Runnable onClose) {
        this.agent = agent;
        this.onClose = onClose;
    }

    public io.adagio.core.model.Agent agent() {
        return agent;
    }

    /** Called by repositories; never blocks. Events offered after close are dropped. */
    public void offer(Event event) {
        if (!closed.get()) {
            queue.offer(event);
        }
    }

    /** The next event, waiting up to {@code timeout}; empty on timeout or once closed and drained. */
    public Optional<Event> poll(Duration timeout) throws InterruptedException {
        if (closed.get()) {
            return Optional.empty();
        }
        return unlessClosed(queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    /** The next event if one is waiting. */
    public Optional<Event> poll() {
        return unlessClosed(queue.poll());
    }

    private Optional<Event> unlessClosed(Event event) {
        if (event == CLOSED) {
            queue.offer(CLOSED); // wake the next blocked consumer too
            return Optional.empty();
        }
        return Optional.ofNullable(event);
    }

    /** Whether an event is waiting to be polled (a hint: another consumer may take it first). */
    public boolean hasPending() {
        return !queue.isEmpty() && !closed.get();
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Unsubscribes: the agent leaves ListAgents and no further events arrive. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            queue.clear();
            queue.offer(CLOSED);
            onClose.run();
        }
    }
}
