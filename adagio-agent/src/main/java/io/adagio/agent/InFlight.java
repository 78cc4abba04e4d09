package io.adagio.agent;

import io.adagio.core.repository.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The attempts claimed here whose result is not recorded yet. Shutdown {@linkplain #close() closes}
 * it to take the leftovers it must stop; an attempt admitted after that must not run, since no one
 * would stop it.
 *
 * <p>Kept in stripes by worker: every attempt is admitted and released once, on the hot path of
 * every node, by its worker and that worker's recorder. One shared concurrent set made all workers
 * update the same map and size counter, about 8 % of an agent's time on no-op nodes; a stripe is a
 * lock and a short list that hardly anyone else touches. Everything else reads all stripes, rarely.
 */
final class InFlight {
    /** A power of two, above the usual number of workers: two workers seldom share one. */
    private static final int STRIPES = 32;

    private final Stripe[] stripes = new Stripe[STRIPES];
    private volatile boolean closed;

    /** The attempts of the workers whose identity hashes here; guarded by itself. */
    private static final class Stripe {
        final ArrayList<Execution> executions = new ArrayList<>(4);
    }

    InFlight() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** Adds a claimed attempt; false when shutdown already took its leftovers (then do not run it). */
    boolean admit(Execution execution) {
        var stripe = stripeOf(execution);
        synchronized (stripe) {
            stripe.executions.add(execution);
            // Read under the stripe's lock: close() sets it before it takes each stripe's list, so an
            // attempt added after its stripe was taken sees it set, and one added before is taken.
            return !closed;
        }
    }

    /** The attempt's result is recorded (or given up): it is no longer in flight. */
    void release(Execution execution) {
        var stripe = stripeOf(execution);
        synchronized (stripe) {
            var list = stripe.executions;
            for (int i = list.size() - 1; i >= 0; i--) {
                if (list.get(i) == execution) {
                    list.remove(i);
                    break;
                }
            }
        }
        execution.finished();
    }

    /** Admits nothing more to run and returns the attempts in flight now. */
    List<Execution> close() {
        closed = true;
        return matching(e -> true);
    }

    int size() {
        int n = 0;
        for (var stripe : stripes) {
            synchronized (stripe) {
                n += stripe.executions.size();
            }
        }
        return n;
    }

    Optional<Execution> any() {
        return matching(e -> true).stream().findFirst();
    }

    /** The attempt held by the claim with this id, if it is in flight here. */
    Optional<Execution> byClaim(String claimId) {
        return matching(e -> e.claim.id().equals(claimId)).stream().findFirst();
    }

    /** The attempts claimed under {@code subscription}: their claims last as long as it does. */
    List<Execution> claimedUnder(Subscription subscription) {
        return matching(e -> e.subscription == subscription);
    }

    private List<Execution> matching(Predicate<Execution> wanted) {
        var out = new ArrayList<Execution>();
        for (var stripe : stripes) {
            synchronized (stripe) {
                for (var e : stripe.executions) {
                    if (wanted.test(e)) {
                        out.add(e);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private Stripe stripeOf(Execution execution) {
        int h = System.identityHashCode(execution.worker);
        return stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
    }
}
