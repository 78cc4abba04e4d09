package io.adagio.core.repository;

import io.adagio.core.model.Event;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

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
    /**
     * The events, taken without a lock; consumers that wait do so on {@link #nonEmpty}, and an offer
     * signals only while one does. A LinkedBlockingQueue woke a waiting consumer (the agent pool's
     * dispatcher) on every take that left events behind: on a fan-out, once per node.
     */
    private final ConcurrentLinkedQueue<Event> queue = new ConcurrentLinkedQueue<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    /** Consumers waiting in {@link #poll(Duration)}; changed under {@link #lock}. */
    private volatile int waiting;

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
            wakeOne();
        }
    }

    private void wakeOne() {
        // The queue's write comes before this read, and a waiter's count before its look at the
        // queue: either it sees the event, or this sees it waiting.
        if (waiting > 0) {
            lock.lock();
            try {
                nonEmpty.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The next event, waiting up to {@code timeout}; empty on timeout or once closed and drained. */
    public Optional<Event> poll(Duration timeout) throws InterruptedException {
        if (closed.get()) {
            return Optional.empty();
        }
        var event = queue.poll();
        if (event == null) {
            long nanos = timeout.toNanos();
            lock.lock();
            try {
                waiting++;
                try {
                    while ((event = queue.poll()) == null && nanos > 0) {
                        nanos = nonEmpty.awaitNanos(nanos);
                    }
                } finally {
                    waiting--;
                }
            } finally {
                lock.unlock();
            }
        }
        return unlessClosed(event);
    }

    /** The next event if one is waiting. */
    public Optional<Event> poll() {
        return unlessClosed(queue.poll());
    }

    private Optional<Event> unlessClosed(Event event) {
        if (event == CLOSED) {
            queue.offer(CLOSED); // wake the next blocked consumer too
            wakeOne();
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
            wakeOne();
            onClose.run();
        }
    }
}
