package io.adagio.agent;

import io.adagio.agent.runtime.RuntimeRegistry;
import io.adagio.core.model.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an event of the pool's subscription belongs: a cancel to the {@link Watchdog}, a retry
 * waiting out its backoff to {@link DueEvents}, a node for a runtime this pool lacks nowhere, and
 * the rest is work for a free worker. Used by the {@link Dispatcher} and by a worker that takes
 * from the subscription itself.
 */
final class EventRouter {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    private final RuntimeRegistry runtimes;
    private final Watchdog watchdog;
    private final DueEvents due;

    EventRouter(RuntimeRegistry runtimes, Watchdog watchdog, DueEvents due) {
        this.runtimes = runtimes;
        this.watchdog = watchdog;
        this.due = due;
    }

    /** Sends {@code event} where it belongs; returns it when it is work for a free worker, else null. */
    Event route(Event event) {
        return switch (event.type()) {
            case NODE_CANCELLED -> {
                watchdog.cancelled(event);
                yield null;
            }
            case NODE_READY, NODE_ORPHANED -> {
                if (runtimes.get(event.node().runtime()).isEmpty()) {
                    log.trace(
                            "skipping node {} of run {}: no runtime \"{}\" here",
                            event.node().name(),
                            event.runId(),
                            event.node().runtime());
                    yield null;
                }
                if (event.notBefore() != null) {
                    due.at(event.notBefore(), event);
                    yield null;
                }
                yield event;
            }
        };
    }
}
