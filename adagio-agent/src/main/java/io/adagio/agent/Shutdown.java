package io.adagio.agent;

import io.adagio.agent.runtime.Durations;
import io.adagio.core.model.Result;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The graceful shutdown: claim nothing more; let running attempts finish within the grace period;
 * then tell the rest to stop (cancellation actions, interrupt) and record them as ERROR
 * "{@value AgentPool#SHUTDOWN_OUTPUT}" so that their retry rules apply; wait for the results being
 * recorded in the background; then unsubscribe, which also wakes the idle workers.
 */
final class Shutdown {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    private final String agentId;
    private final Duration gracePeriod;
    private final Duration cancellationTimeout;
    private final InFlight inFlight;
    private final ResultRecorder recorder;
    private final BackgroundRecording background;
    private final Registration registration;

    Shutdown(
            String agentId,
            Duration gracePeriod,
            Duration cancellationTimeout,
            InFlight inFlight,
            ResultRecorder recorder,
            BackgroundRecording background,
            Registration registration) {
        this.agentId = agentId;
        this.gracePeriod = gracePeriod;
        this.cancellationTimeout = cancellationTimeout;
        this.inFlight = inFlight;
        this.recorder = recorder;
        this.background = background;
        this.registration = registration;
    }

    /** Runs the shutdown once the pool has stopped claiming; returns when the workers have ended. */
    void run(List<Thread> workers) throws InterruptedException {
        long graceEnd = System.nanoTime() + gracePeriod.toNanos();
        long giveUpAt = graceEnd + cancellationTimeout.toNanos() * 2;
        recorder.giveUpAt(giveUpAt);
        awaitRunning(graceEnd);
        long cancelEnd = stopLeftovers();
        // Results still being recorded in the background: recorded (or given up, see giveUpAt) before
        // the subscription goes, like every other attempt.
        if (!background.awaitAll(Duration.ofNanos(giveUpAt + cancellationTimeout.toNanos() - System.nanoTime()))) {
            log.warn("agent {}: {} result(s) still being recorded after shutdown", agentId, background.pending());
        }
        background.shutdown();
        // The watcher first (shutdown woke it), so that it cannot take the unsubscribe below for a lost
        // registration. Then, every attempt finished or recorded, unsubscribe: that also wakes the idle
        // workers waiting for an event, so they end at once instead of at their next poll timeout.
        long joinEnd = cancelEnd + cancellationTimeout.toNanos();
        if (!registration.awaitWatcher(left(joinEnd))) {
            log.warn("agent {}: {} is still busy after shutdown", agentId, registration.watcherName());
        }
        registration.close();
        for (var worker : workers) {
            if (!worker.join(left(joinEnd))) {
                log.warn("agent {}: worker {} is still busy after shutdown", agentId, worker.getName());
            }
        }
    }

    /** Waits until nothing runs any more or the grace period is over. */
    private void awaitRunning(long graceEnd) throws InterruptedException {
        if (inFlight.size() > 0) {
            log.info(
                    "agent {} stopping: {} node(s) running, waiting up to {} for them",
                    agentId,
                    inFlight.size(),
                    Durations.format(gracePeriod));
        }
        while (true) {
            var anyRunning = inFlight.any();
            long left = graceEnd - System.nanoTime();
            if (anyRunning.isEmpty() || left <= 0) {
                return;
            }
            anyRunning.get().awaitDone(Duration.ofNanos(left));
        }
    }

    /** Stops what still runs and records it as shut down; returns the end of the cancellation timeout. */
    private long stopLeftovers() throws InterruptedException {
        var stopped = inFlight.close().stream().filter(Execution::takeReport).toList();
        for (var execution : stopped) {
            log.info("agent {}: stopping {}, still running after the grace period", agentId, execution.describe());
            execution.stop(Stop.SHUTDOWN);
        }
        long cancelEnd = System.nanoTime() + cancellationTimeout.toNanos();
        for (var execution : stopped) {
            // Record only once the runtime has stopped (its child processes are dead) if it does so in
            // time, so a retry elsewhere does not overlap with this attempt.
            if (!execution.awaitDone(Duration.ofNanos(cancelEnd - System.nanoTime()))) {
                log.warn(
                        "agent {}: {} did not stop within {} of being told to; recording it anyway",
                        agentId,
                        execution.describe(),
                        Durations.format(cancellationTimeout));
            }
            recorder.record(execution, Result.error(AgentPool.SHUTDOWN_OUTPUT), false);
        }
        return cancelEnd;
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }
}
