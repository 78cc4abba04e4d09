package io.adagio.agent;

import io.adagio.agent.runtime.RuntimeRegistry;
import io.adagio.core.model.Event;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the pool's subscription on a thread of its own and sends each event where it belongs: a
 * cancel to the {@link Watchdog} at once (even while every worker is busy), a retry waiting out its
 * backoff to {@link DueEvents}, and the rest, for a runtime this pool has, to the queue the workers
 * take from when they are free.
 */
final class Dispatcher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    private final String agentId;
    private final RuntimeRegistry runtimes;
    private final Lifecycle lifecycle;
    private final Registration registration;
    private final BlockingQueue<Event> work;
    private final Watchdog watchdog;
    private final DueEvents due;

    Dispatcher(
            String agentId,
            RuntimeRegistry runtimes,
            Lifecycle lifecycle,
            Registration registration,
            BlockingQueue<Event> work,
            Watchdog watchdog,
            DueEvents due) {
        this.agentId = agentId;
        this.runtimes = runtimes;
        this.lifecycle = lifecycle;
        this.registration = registration;
        this.work = work;
        this.watchdog = watchdog;
        this.due = due;
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
                if (event.isPresent() && lifecycle.isRunning()) {
                    route(event.get());
                }
            } catch (InterruptedException e) {
                // Only shutdown interrupts; the loop condition sees it.
            } catch (Throwable t) {
                log.error("agent {}: unexpected error reading events, carrying on", agentId, t);
            }
        }
    }

    private void route(Event event) {
        switch (event.type()) {
            case NODE_CANCELLED -> watchdog.cancelled(event);
            case NODE_READY, NODE_ORPHANED -> {
                if (runtimes.get(event.node().runtime()).isEmpty()) {
                    log.trace(
                            "skipping node {} of run {}: no runtime \"{}\" here",
                            event.node().name(),
                            event.runId(),
                            event.node().runtime());
                } else if (event.notBefore() != null) {
                    due.at(event.notBefore(), event);
                } else {
                    work.offer(event);
                }
            }
        }
    }
}
