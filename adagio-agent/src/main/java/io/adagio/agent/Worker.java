package io.adagio.agent;

import io.adagio.agent.runtime.RuntimeRegistry;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.Protocol;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent of the pool, on its own thread: takes an event only when it is free (so work it cannot
 * take now stays available to idle agents elsewhere), claims the node, runs it and hands its result
 * over to be recorded; again until the pool stops claiming, or until it is retired (its runtime
 * ignored being told to stop, and a new worker took its place).
 */
final class Worker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    /**
     * What every worker of one pool shares: the agent's id and runtimes, the pool's life cycle and
     * registration, the queue the dispatcher routes work to, and the parts that claim, admit,
     * watch, schedule and route.
     */
    record Crew(
            String agentId,
            RuntimeRegistry runtimes,
            Lifecycle lifecycle,
            Registration registration,
            BlockingQueue<Event> work,
            Claimer claimer,
            InFlight inFlight,
            Watchdog watchdog,
            DueEvents due,
            EventRouter router,
            boolean claimNext) {}

    private final Crew crew;
    /** This worker's own way to the recorder. */
    private final BackgroundRecording.Lane lane;

    private volatile Thread thread;
    private volatile boolean retired;

    Worker(Crew crew, BackgroundRecording.Lane lane) {
        this.crew = crew;
        this.lane = lane;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (crew.lifecycle().isRunning() && !retired) {
            try {
                var event = nextEvent();
                // An event dropped here is only a hint: every other subscriber had its own copy, and
                // a new subscriber is told about every node that is ready.
                if (event != null && crew.lifecycle().isRunning() && !retired) {
                    handle(event);
                }
            } catch (InterruptedException e) {
                // Shutdown (or a stop signal that came late) interrupts; the loop condition decides.
            } catch (Throwable t) {
                log.error("agent {}: unexpected error in a worker, carrying on", crew.agentId(), t);
            }
        }
    }

    /**
     * The next event to handle: one already routed to the workers; else one the store announced since
     * (routed here: a cancel or a retry not yet due goes where it belongs); else the next one routed,
     * waited for. A worker that has just finished a node usually finds the node it made ready in the
     * subscription and takes it at once. Waiting instead for the dispatcher's thread to wake and
     * hand it over cost two thread wake-ups per hand-over, and made a 1,000-node chain 4x slower.
     */
    private Event nextEvent() throws InterruptedException {
        var event = pollEvent();
        if (event != null) {
            return event;
        }
        return crew.work().poll(Registration.POLL_INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** An event for a worker already routed or announced, without waiting; null if none. */
    private Event pollEvent() {
        var event = crew.work().poll();
        if (event != null) {
            return event;
        }
        var sub = crew.registration().current();
        while (crew.lifecycle().isRunning() && !retired && !sub.isClosed()) {
            var announced = sub.poll();
            if (announced.isEmpty()) {
                break;
            }
            var forAWorker = crew.router().route(announced.get());
            if (forAWorker != null) {
                return forAWorker;
            }
        }
        return null;
    }

    /** Interrupts the worker's thread (a runtime told to stop). */
    void interrupt() {
        var t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    String threadName() {
        var t = thread;
        return t == null ? "(not started)" : t.getName();
    }

    /** Ends this worker once its runtime returns: another one took its place. */
    void retire() {
        retired = true;
    }

    private void handle(Event event) throws InterruptedException {
        var runtime = crew.runtimes().get(event.node().runtime()).orElse(null);
        if (runtime == null) {
            return;
        }
        var sub = crew.registration().current();
        var outcome = crew.claimer().claim(event);
        switch (outcome) {
            case Claimer.NotDue notDue -> crew.due().retryAt(notDue.notBefore(), event);
            case Claimer.Early early -> crew.due().retryEarly(event);
            case Claimer.Lost lost -> crew.due().settled(event);
            case Claimer.Claimed claimed -> {
                crew.due().settled(event);
                var next = run(event.runId(), claimed, runtime, sub);
                // The nodes its finishes claimed for this worker, one after the other: a chain runs on
                // here without an event or a claim of its own per node.
                while (next != null) {
                    var nextRuntime =
                            crew.runtimes().get(next.node().spec().runtime()).orElse(null);
                    // Claimed under the registration current at its finish, as any claim made then.
                    next = run(
                            event.runId(),
                            next,
                            nextRuntime,
                            crew.registration().current());
                }
            }
        }
    }

    /**
     * Runs the claimed node (with {@code runtime}; null if this agent has none of that name) and
     * hands its result over to be recorded.
     *
     * @return the node its finish claimed for this worker to run next ({@link #claimsNext}), or null
     */
    private Claimer.Claimed run(
            String runId,
            Claimer.Claimed claimed,
            io.adagio.agent.runtime.Runtime runtime,
            io.adagio.core.repository.Subscription sub) {
        var execution = new Execution(runId, claimed.node(), claimed.claim(), crew.agentId(), this, sub);
        boolean mayRun = crew.inFlight().admit(execution);
        boolean handedOver = false;
        Claimer.Claimed next = null;
        try {
            if (log.isDebugEnabled()) {
                log.debug(
                        "claimed node \"{}\" of run {} (attempt {}{})",
                        claimed.node().name(),
                        runId,
                        claimed.node().attempts().size() + 1,
                        claimed.orphan() ? ", orphaned" : "");
            }
            Result result;
            if (claimed.orphan()) {
                result = Result.error(Protocol.ORPHANED_OUTPUT);
            } else if (runtime == null) {
                // Only a repository that ignored the runtimes a next claim named gets here.
                result = Result.error("runtime \"" + claimed.node().spec().runtime() + "\" is not available on agent "
                        + crew.agentId());
            } else if (!mayRun) {
                result = Result.error(AgentPool.SHUTDOWN_OUTPUT);
            } else {
                crew.watchdog().started(execution);
                // Cancelled before it ran (the cancel came as it was claimed): it does not run at all.
                result = execution.stopped() == null ? RuntimeInvoker.invoke(runtime, execution) : null;
            }
            // From here on no stop signal meant for the runtime reaches this thread, and any that
            // came must not disturb recording.
            var stop = execution.runtimeReturned();
            if (stop != null && stop.decidesResult() && !claimed.orphan()) {
                result = stop.result(result);
            } else if (result == null) {
                result = Result.error(AgentPool.SHUTDOWN_OUTPUT);
            } else if (result.conclusion() == Conclusion.CANCELLED) {
                // Only an attempt stopped for its run's cancel ends so; the repository refuses any other.
                result = new Result(
                        Conclusion.ERROR,
                        result.metadata(),
                        ("runtime \"" + runtime.name() + "\" concluded CANCELLED, but the run was not cancelled\n"
                                        + result.outputText())
                                .getBytes(StandardCharsets.UTF_8));
            }
            if (execution.takeReport()) {
                handedOver = true; // the lane releases it once recorded
                if (claimsNext(result, claimed, sub)) {
                    var nextClaim = crew.claimer().nextClaim();
                    var node = lane.recordAndClaim(execution, result, nextClaim);
                    next = node == null ? null : new Claimer.Claimed(node, nextClaim.claim(), false);
                } else if (claimsAhead(result, claimed)) {
                    next = recordAndClaimAhead(runId, execution, result);
                } else {
                    lane.record(execution, result, claimed.orphan());
                }
            } else {
                log.debug(
                        "{}: result {} discarded, the attempt was recorded when it was given up on",
                        execution.describe(),
                        result.conclusion());
            }
        } finally {
            if (!handedOver) {
                crew.inFlight().release(execution);
            }
            Thread.interrupted();
        }
        return next;
    }

    /**
     * Whether this worker takes its next event before recording a success, so that the finish claims
     * that event's node too: when work is waiting (else {@link #claimsNext}), and only when results
     * are recorded in line. Recorded in the background (a remote repository), the finish's round trip
     * overlaps the next claim's instead, which waiting for a combined answer would undo.
     */
    private boolean claimsAhead(Result result, Claimer.Claimed claimed) {
        return crew.claimNext()
                && result.conclusion() == Conclusion.SUCCESS
                && !claimed.orphan()
                && crew.lifecycle().isRunning()
                && !retired
                && lane.inLine();
    }

    /**
     * Takes the next event and records the result: if the event announces a node of the same run,
     * the finish claims it for this worker in the same step (a fan-out's node then costs one step of
     * its run, not a finish and a claim, each waiting for the run). An event taken and not claimed
     * so goes back to the pool's workers: this one may now run a node for long (one its finish
     * made ready), or be retired in it, and no other worker of the pool had the event.
     *
     * @return the node the finish claimed for this worker, or null
     */
    private Claimer.Claimed recordAndClaimAhead(String runId, Execution execution, Result result) {
        var ahead = pollEvent();
        if (ahead == null || ahead.type() != Event.Type.NODE_READY || !runId.equals(ahead.runId())) {
            if (ahead != null) {
                crew.work().offer(ahead);
            }
            lane.record(execution, result, false);
            return null;
        }
        var nextClaim = crew.claimer().nextClaim(ahead.node().name());
        var node = lane.recordAndClaim(execution, result, nextClaim);
        if (node != null && node.name().equals(ahead.node().name())) {
            crew.due().settled(ahead);
        } else {
            crew.work().offer(ahead);
        }
        return node == null ? null : new Claimer.Claimed(node, nextClaim.claim(), false);
    }

    /**
     * Whether the finish of this attempt also claims, for this worker, a node it makes ready: only
     * a success (nothing else makes nodes ready), and only when no other work is waiting for a
     * worker. This worker then records here, waiting for the answer, instead of recording in the
     * background while it takes the next node: worth it only when there is no next node to take.
     */
    private boolean claimsNext(Result result, Claimer.Claimed claimed, io.adagio.core.repository.Subscription sub) {
        return crew.claimNext()
                && result.conclusion() == Conclusion.SUCCESS
                && !claimed.orphan()
                && crew.lifecycle().isRunning()
                && !retired
                && crew.work().isEmpty()
                && !sub.hasPending();
    }
}
