package io.adagio.agent;

import io.adagio.core.model.Event;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the pool's subscription on a thread of its own and sends each event where it belongs
 * ({@link EventRouter}): a cancel to the {@link Watchdog} at once (even while every worker is
 * busy), a retry waiting out its backoff to {@link DueEvents}, and work to the queue the workers
 * take from when they are free. A free worker also takes from the subscription itself before it
 * waits (see {@link Worker}), so this thread mostly wakes to find the event gone.
 */
final class Dispatcher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    private final String agentId;
    private final Lifecycle lifecycle;
    private final Registration registration;
    private final BlockingQueue<Event> work;
    private final EventRouter router;

    Dispatcher(
            String agentId,
            Lifecycle lifecycle,
            Registration registration,
            BlockingQueue<Event> work,
            EventRouter router) {
        this.agentId = agentId;
        this.lifecycle = lifecycle;
        this.registration = registration;
        this.work = work;
        this.router = router;
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
                    var forAWorker = router.route(event.get());
                    if (forAWorker != null) {
                        work.offer(forAWorker);
                    }
                }
            } catch (InterruptedException e) {
                // Only shutdown interrupts; the loop condition sees it.
            } catch (Throwable t) {
                log.error("agent {}: unexpected error reading events, carrying on", agentId, t);
            }
        }
    }
}
