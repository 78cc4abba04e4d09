package io.adagio.agent;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The pool's state, NEW → RUNNING → STOPPING → STOPPED (or NEW → STOPPED when closed unstarted),
 * and waiting on it. As the {@link Backoff.Patience} of whatever retries until shutdown, it ends
 * their patience and cuts their pauses short the moment shutdown starts.
 */
final class Lifecycle implements Backoff.Patience {
    private enum State {
        NEW,
        RUNNING,
        STOPPING,
        STOPPED
    }

    /** Who shuts the pool down when {@link #requestStop()} is called. */
    enum Stop {
        /** Never started: nothing to shut down, it is stopped now. */
        NOTHING_TO_DO,
        /** The caller does: the pool was running. */
        BY_CALLER,
        /** Another caller already is (or did). */
        BY_ANOTHER
    }

    private volatile State state = State.NEW; // written under this
    /** Counted down when shutdown starts: wakes every pause at once. */
    private final CountDownLatch stopping = new CountDownLatch(1);

    /**
     * Moves to RUNNING and runs {@code starting} (which starts the threads that check
     * {@link #isRunning}); if it throws, the pool is NEW again. A concurrent stop waits for it.
     *
     * @throws IllegalStateException when started before (or closed)
     */
    synchronized void start(Runnable starting, String name) {
        if (state != State.NEW) {
            throw new IllegalStateException(name + " was already started (or closed)");
        }
        state = State.RUNNING;
        try {
            starting.run();
        } catch (RuntimeException | Error e) {
            state = State.NEW;
            throw e;
        }
    }

    /** Whether the pool claims work: started and not shutting down. */
    boolean isRunning() {
        return state == State.RUNNING;
    }

    synchronized Stop requestStop() {
        switch (state) {
            case NEW -> {
                state = State.STOPPED;
                notifyAll();
                return Stop.NOTHING_TO_DO;
            }
            case RUNNING -> {
                state = State.STOPPING;
                stopping.countDown();
                notifyAll();
                return Stop.BY_CALLER;
            }
            default -> {
                return Stop.BY_ANOTHER;
            }
        }
    }

    synchronized void stopped() {
        state = State.STOPPED;
        notifyAll();
    }

    /** Waits until stopped; false on timeout. */
    synchronized boolean awaitStopped(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state != State.STOPPED) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Waits until stopped, keeping an interrupt for later. */
    synchronized void awaitStoppedUninterruptibly() {
        boolean interrupted = false;
        while (state != State.STOPPED) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean allowsRetry() {
        return isRunning();
    }

    /** Waits {@code delay}, or less if shutdown starts meanwhile. */
    @Override
    public void pause(Duration delay) throws InterruptedException {
        stopping.await(delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
        return state.name();
    }
}
