package io.adagio.agent;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Event;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.Subscription;
import java.time.Duration;
import java.util.EnumSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's registration with the repository: one subscription for the whole pool (one agent with
 * all its runtimes, for NODE_READY, NODE_ORPHANED and NODE_CANCELLED). A backend ends it when it lost the agent's
 * liveness (its lease); a watcher thread notices, tells the attempts claimed under it to stop (their
 * claims went with it) and subscribes again.
 */
final class Registration {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    /** How long a worker waits for an event, or the watcher between looks, before checking the pool's state. */
    static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final Repository repository;
    private final Agent agent;
    private final Backoff backoff;
    private final Lifecycle lifecycle;
    private final InFlight inFlight;
    /** Called when the repository refuses a new subscription for good: the pool cannot go on. */
    private final Runnable onRefused;

    private volatile Subscription current; // written under this
    private boolean closed; // guarded by this
    private Thread watcher;

    Registration(
            Repository repository,
            Agent agent,
            Backoff backoff,
            Lifecycle lifecycle,
            InFlight inFlight,
            Runnable onRefused) {
        this.repository = repository;
        this.agent = agent;
        this.backoff = backoff;
        this.lifecycle = lifecycle;
        this.inFlight = inFlight;
        this.onRefused = onRefused;
    }

    /**
     * Subscribes for the first time and starts watching the subscription.
     *
     * @throws RepositoryException when the repository refuses (for example, unavailable)
     */
    void start() {
        current = subscribe();
        watcher = Thread.ofPlatform().daemon().name("adagio-agent-watch").unstarted(this::watch);
    }

    /** Starts the watcher; once the pool is running. */
    void startWatching() {
        watcher.start();
    }

    /** The subscription now: closed for a moment while it is being renewed. */
    Subscription current() {
        return current;
    }

    /** Waits until the watcher replaced {@code closed}, the registration was closed, or the pool stops. */
    synchronized void awaitRenewal(Subscription closed) throws InterruptedException {
        while (current == closed && !this.closed && lifecycle.isRunning()) {
            wait(POLL_INTERVAL.toMillis());
        }
    }

    /** Waits up to {@code timeout} for the watcher to end (shutdown wakes it); false if it has not. */
    boolean awaitWatcher(Duration timeout) throws InterruptedException {
        return watcher == null || watcher.join(timeout);
    }

    String watcherName() {
        return watcher == null ? "(no watcher)" : watcher.getName();
    }

    /** Unsubscribes: the agent leaves ListAgents, and workers waiting for an event wake up. */
    void close() {
        Subscription sub;
        synchronized (this) {
            closed = true;
            sub = current;
            notifyAll();
        }
        if (sub != null) {
            sub.close();
        }
    }

    private Subscription subscribe() {
        return repository.subscribe(
                agent, EnumSet.of(Event.Type.NODE_READY, Event.Type.NODE_ORPHANED, Event.Type.NODE_CANCELLED));
    }

    /** Checking a flag a few times a second costs nothing and notices it even while every worker is busy. */
    private void watch() {
        while (lifecycle.isRunning()) {
            try {
                var sub = current;
                if (!sub.isClosed()) {
                    lifecycle.pause(POLL_INTERVAL);
                } else if (!renew(sub)) {
                    return;
                }
            } catch (InterruptedException e) {
                // Only shutdown interrupts; the loop condition sees it.
            } catch (Throwable t) {
                log.error("agent {}: unexpected error watching the subscription, carrying on", agent.id(), t);
            }
        }
    }

    /** Subscribes again after the repository ended the subscription; false when it refused for good. */
    private boolean renew(Subscription ended) throws InterruptedException {
        // The claims made under the old subscription are gone and their nodes will be recovered
        // elsewhere: stop working on them rather than run alongside their retry.
        for (var execution : inFlight.claimedUnder(ended)) {
            log.warn("agent {}: stopping {}, its claim went with the subscription", agent.id(), execution.describe());
            execution.stop(Stop.LOST_REGISTRATION);
        }
        log.warn("agent {}: the repository ended its subscription; subscribing again", agent.id());
        Subscription fresh;
        try {
            fresh = backoff.call(() -> "subscribe agent " + agent.id(), this::subscribe, lifecycle);
        } catch (RepositoryException e) {
            if (Backoff.canPass(e)) {
                return true; // shutting down meanwhile
            }
            log.error(
                    "agent {}: the repository refused its subscription ({}); the agent pool stops",
                    agent.id(),
                    e.getMessage());
            onRefused.run();
            return false;
        }
        synchronized (this) {
            if (closed || !lifecycle.isRunning()) {
                fresh.close(); // shutting down meanwhile; close() has the old one
            } else {
                current = fresh;
            }
            notifyAll();
        }
        return true;
    }
}
