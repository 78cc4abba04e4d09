package io.adagio.agent;

import io.adagio.agent.runtime.Cancellation;
import io.adagio.agent.runtime.ExecutionContext;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Node;
import io.adagio.core.repository.Subscription;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One claimed attempt being handled by a worker. Exactly one party records its result: the worker
 * when the runtime returns, or the shutdown when the grace period ran out first; {@link #takeReport}
 * decides which.
 */
final class Execution {
    final String runId;
    final Node node;
    final Claim claim;
    final Thread worker;
    /** The subscription the node was claimed under: the claim lives as long as that registration. */
    final Subscription subscription;

    final Cancellation cancellation = new Cancellation();
    final ExecutionContext context;
    private final AtomicBoolean reportTaken = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    /** Whether the runtime may still be running on {@link #worker}; guarded by this. */
    private boolean runtimeRunning = true;

    Execution(String runId, Node node, Claim claim, String agentId, Thread worker, Subscription subscription) {
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
     * Tells the runtime to stop: its cancellation actions first (killing child processes), then an
     * interrupt, only while the runtime runs (the worker may have gone on to another node since).
     */
    synchronized void cancel(String reason) {
        cancellation.cancel(reason);
        if (runtimeRunning) {
            worker.interrupt();
        }
    }

    /** Called by the worker when the runtime returned: no interrupt for it reaches the worker after this. */
    synchronized void runtimeReturned() {
        runtimeRunning = false;
        Thread.interrupted();
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
