package io.adagio.agent;

import io.adagio.agent.runtime.Cancellation;
import io.adagio.agent.runtime.ExecutionContext;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Node;
import io.adagio.core.repository.Subscription;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One claimed attempt being handled by a worker. Exactly one party records its result: the worker
 * when the runtime returns, or whoever gave up waiting for it (the shutdown when the grace period ran
 * out, the {@link Watchdog} when a stopped runtime ignored being told); {@link #takeReport} decides
 * which.
 */
final class Execution {
    final String runId;
    final Node node;
    final Claim claim;
    final Worker worker;
    /** The subscription the node was claimed under: the claim lives as long as that registration. */
    final Subscription subscription;

    final Cancellation cancellation = new Cancellation();
    final ExecutionContext context;
    private final AtomicBoolean reportTaken = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    /** Whether the runtime may still be running on {@link #worker}; guarded by this. */
    private boolean runtimeRunning = true;
    /** The first reason it was told to stop, or null; guarded by this. */
    private Stop stop;
    /** The timer of its timeout, cancelled when the runtime returns; guarded by this. */
    private Future<?> timer;

    Execution(String runId, Node node, Claim claim, String agentId, Worker worker, Subscription subscription) {
        this.runId = runId;
        this.node = node;
        this.claim = claim;
        this.worker = worker;
        this.subscription = subscription;
        this.context = new ExecutionContext(runId, node, agentId, cancellation);
    }

    /** True for the one caller that gets to record this attempt's result. */
    boolean takeReport() {
        return reportTaken.compareAndSet(false, true);
    }

    /**
     * Tells the runtime to stop: its cancellation actions first (signalling child processes), then an
     * interrupt, only while the runtime runs (the worker may have gone on to another node since).
     * The first reason wins; a stop once the runtime returned changes nothing.
     *
     * @return whether this call stopped it (false: it had returned, or was stopped already)
     */
    boolean stop(Stop why) {
        synchronized (this) {
            if (stop != null || !runtimeRunning) {
                return false;
            }
            stop = why;
        }
        // Outside the lock: the actions may take a moment (signalling a process group).
        cancellation.cancel(why.reason());
        synchronized (this) {
            if (runtimeRunning) {
                worker.interrupt();
            }
        }
        return true;
    }

    /** The reason it was told to stop, or null. */
    synchronized Stop stopped() {
        return stop;
    }

    /** Whether its runtime has not returned yet. */
    synchronized boolean runtimeRunning() {
        return runtimeRunning;
    }

    synchronized void timer(Future<?> t) {
        timer = t;
    }

    /**
     * Called by the worker when the runtime returned: no interrupt for it reaches the worker after
     * this, and its timeout is off.
     *
     * @return why it was told to stop, or null
     */
    synchronized Stop runtimeReturned() {
        runtimeRunning = false;
        if (timer != null) {
            timer.cancel(false);
        }
        Thread.interrupted();
        return stop;
    }

    void finished() {
        done.countDown();
    }

    boolean awaitDone(Duration timeout) throws InterruptedException {
        return done.await(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }

    String describe() {
        return "node \"" + node.name() + "\" of run " + runId;
    }
}
