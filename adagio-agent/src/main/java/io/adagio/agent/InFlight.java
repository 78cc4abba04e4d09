package io.adagio.agent;

import io.adagio.core.repository.Subscription;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The attempts claimed here whose result is not recorded yet. Shutdown {@linkplain #close() closes}
 * it to take the leftovers it must stop; an attempt admitted after that must not run, since no one
 * would stop it.
 */
final class InFlight {
    private final Set<Execution> executions = ConcurrentHashMap.newKeySet();
    private boolean closed; // guarded by this

    /** Adds a claimed attempt; false when shutdown already took its leftovers (then do not run it). */
    synchronized boolean admit(Execution execution) {
        executions.add(execution);
        return !closed;
    }

    /** The attempt's result is recorded (or given up): it is no longer in flight. */
    void release(Execution execution) {
        executions.remove(execution);
        execution.finished();
    }

    /** Admits nothing more to run and returns the attempts in flight now. */
    synchronized List<Execution> close() {
        closed = true;
        return List.copyOf(executions);
    }

    int size() {
        return executions.size();
    }

    Optional<Execution> any() {
        return executions.stream().findFirst();
    }

    /** The attempt held by the claim with this id, if it is in flight here. */
    Optional<Execution> byClaim(String claimId) {
        return executions.stream().filter(e -> e.claim.id().equals(claimId)).findFirst();
    }

    /** The attempts claimed under {@code subscription}: their claims last as long as it does. */
    List<Execution> claimedUnder(Subscription subscription) {
        return executions.stream().filter(e -> e.subscription == subscription).toList();
    }
}
