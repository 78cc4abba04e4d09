package io.adagio.agent;

import io.adagio.agent.runtime.Durations;
import io.adagio.core.model.Event;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops attempts that must not go on: those of a cancelled run (told by a NODE_CANCELLED event, the
 * moment it arrives) and those running longer than their node's timeout (a timer per attempt). A
 * stopped runtime gets the grace to return; one that ignores being told is not waited for any longer:
 * its result is recorded (CANCELLED, or ERROR "timed out after ..."), its worker slot goes to a new
 * worker, and the thread it holds is abandoned, with one log line.
 */
final class Watchdog {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);
    /** Claims cancelled lately, for an attempt admitted just after its cancel arrived. */
    private static final int RECENT = 4096;

    private final String agentId;
    private final ScheduledExecutorService timer;
    private final InFlight inFlight;
    private final Duration grace;
    /** Records an abandoned attempt's result and releases it (off the timer's thread). */
    private final Consumer<Abandoned> onAbandon;

    private final Map<String, Boolean> recentCancels = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RECENT;
        }
    };

    /** An attempt given up on: the result to record for it. */
    record Abandoned(Execution execution, Stop stop) {}

    Watchdog(
            String agentId,
            ScheduledExecutorService timer,
            InFlight inFlight,
            Duration grace,
            Consumer<Abandoned> onAbandon) {
        this.agentId = agentId;
        this.timer = timer;
        this.inFlight = inFlight;
        this.grace = grace;
        this.onAbandon = onAbandon;
    }

    /** A NODE_CANCELLED event: stops the attempt of the claim it names, if it runs here (or starts soon). */
    void cancelled(Event event) {
        synchronized (recentCancels) {
            recentCancels.put(event.claimId(), Boolean.TRUE);
        }
        // After remembering it: an attempt admitted meanwhile finds it in started().
        inFlight.byClaim(event.claimId()).ifPresent(execution -> {
            log.info("agent {}: stopping {}, its run was cancelled", agentId, execution.describe());
            stop(execution, Stop.CANCEL);
        });
    }

    /**
     * An attempt about to run (after it was admitted to {@link InFlight}): stopped at once if its run
     * was cancelled meanwhile, else bounded by its node's timeout.
     */
    void started(Execution execution) {
        boolean cancelled;
        synchronized (recentCancels) {
            cancelled = recentCancels.containsKey(execution.claim.id());
        }
        if (cancelled) {
            stop(execution, Stop.CANCEL);
            return;
        }
        var timeout = execution.node.spec().timeout();
        if (timeout != null) {
            schedule(() -> stop(execution, Stop.timeout(timeout)), timeout).ifPresent(execution::timer);
        }
    }

    /** Tells the attempt to stop, and gives it the grace to do so. */
    void stop(Execution execution, Stop why) {
        if (!execution.stop(why)) {
            return;
        }
        if (why.decidesResult()) {
            schedule(() -> giveUp(execution, why), grace);
        }
    }

    /** The grace is over: a runtime still running is no longer waited for. */
    private void giveUp(Execution execution, Stop why) {
        if (!execution.runtimeRunning() || !execution.takeReport()) {
            return;
        }
        log.warn(
                "agent {}: {} did not stop within {} of being told to ({}); recording it and abandoning its thread {}",
                agentId,
                execution.describe(),
                Durations.format(grace),
                why.reason(),
                execution.worker.threadName());
        onAbandon.accept(new Abandoned(execution, why));
    }

    private Optional<ScheduledFuture<?>> schedule(Runnable task, Duration delay) {
        try {
            return Optional.of(timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS));
        } catch (RejectedExecutionException e) {
            return Optional.empty(); // shutting down
        }
    }
}
