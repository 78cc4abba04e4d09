package io.adagio.agent;

import io.adagio.agent.runtime.RuntimeRegistry;
import io.adagio.core.model.Event;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.repository.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent of the pool, on its own thread: takes an event only when it is free (so work it cannot
 * take now stays available to idle agents elsewhere), claims the node, runs it and hands its result
 * over to be recorded; again until the pool stops claiming.
 */
final class Worker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    private final String agentId;
    private final RuntimeRegistry runtimes;
    private final Lifecycle lifecycle;
    private final Registration registration;
    private final Claimer claimer;
    private final InFlight inFlight;
    private final BackgroundRecording.Lane lane;

    Worker(
            String agentId,
            RuntimeRegistry runtimes,
            Lifecycle lifecycle,
            Registration registration,
            Claimer claimer,
            InFlight inFlight,
            BackgroundRecording.Lane lane) {
        this.agentId = agentId;
        this.runtimes = runtimes;
        this.lifecycle = lifecycle;
        this.registration = registration;
        this.claimer = claimer;
        this.inFlight = inFlight;
        this.lane = lane;
    }

    @Override
    public void run() {
        while (lifecycle.isRunning()) {
            try {
                var sub = registration.current();
                if (sub.isClosed()) {
                    registration.awaitRenewal(sub);
                    continue;
                }
                var event = sub.poll(Registration.POLL_INTERVAL);
                // An event dropped here is only a hint: every other subscriber had its own copy, and
                // a new subscriber is told about every node that is ready.
                if (event.isPresent() && lifecycle.isRunning()) {
                    handle(event.get(), sub);
                }
            } catch (InterruptedException e) {
                // Only shutdown interrupts a worker; the loop condition sees it.
            } catch (Throwable t) {
                log.error("agent {}: unexpected error in a worker, carrying on", agentId, t);
            }
        }
    }

    private void handle(Event event, Subscription sub) throws InterruptedException {
        var spec = event.node();
        var runtime = runtimes.get(spec.runtime()).orElse(null);
        if (runtime == null) {
            log.trace("skipping node {} of run {}: no runtime \"{}\" here", spec.name(), event.runId(), spec.runtime());
            return;
        }
        var claimed = claimer.claim(event).orElse(null);
        if (claimed == null) {
            return;
        }
        var execution =
                new Execution(event.runId(), claimed.node(), claimed.claim(), agentId, Thread.currentThread(), sub);
        boolean mayRun = inFlight.admit(execution);
        boolean handedOver = false;
        try {
            log.debug(
                    "claimed node \"{}\" of run {} (attempt {}{})",
                    spec.name(),
                    event.runId(),
                    claimed.node().attempts().size() + 1,
                    claimed.orphan() ? ", orphaned" : "");
            Result result;
            if (claimed.orphan()) {
                result = Result.error(Protocol.ORPHANED_OUTPUT);
            } else if (!mayRun) {
                result = Result.error(AgentPool.SHUTDOWN_OUTPUT);
            } else {
                result = RuntimeInvoker.invoke(runtime, execution);
            }
            // From here on no stop signal meant for the runtime reaches this thread, and any that
            // came must not disturb recording.
            execution.runtimeReturned();
            if (execution.takeReport()) {
                handedOver = true; // the lane releases it once recorded
                lane.record(execution, result, claimed.orphan());
            } else {
                log.debug(
                        "{}: result {} discarded, shutdown recorded the attempt",
                        execution.describe(),
                        result.conclusion());
            }
        } finally {
            if (!handedOver) {
                inFlight.release(execution);
            }
            Thread.interrupted();
        }
    }
}
