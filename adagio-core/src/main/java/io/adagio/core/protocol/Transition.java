package io.adagio.core.protocol;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import io.adagio.core.repository.NextClaim;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Every change of a run the protocol knows, as a value: a backend hands one to
 * {@link Protocol#apply} and stores the {@link Change}s it answers with. Sealed, so that a backend
 * handles each kind with an exhaustive {@code switch} (for example, which guard its commit needs).
 *
 * <p>Two families. {@link OfNode}: about one node, the primary, the one a backend reads first and
 * whose record the commit guards; these are the agents' hot path and read O(1 + degree) nodes.
 * {@link OfRun}: about the whole run (cancelling it, rerunning it), read over a {@link WholeRun};
 * their answers are {@link Change}s of the same kinds, plus the run's cancel mark.
 */
public sealed interface Transition {

    /** A transition of one node. */
    sealed interface OfNode extends Transition permits ClaimNode, FinishNode, OrphanNode, PromoteNode {
        /** The primary node. */
        String node();
    }

    /** A transition of a whole run. */
    sealed interface OfRun extends Transition permits CancelRun, RerunRun {}

    /**
     * An agent claims a READY or orphaned node, or asks again with the claim it already holds. A READY
     * node waiting out a backoff is not claimable before its not-before time.
     */
    record ClaimNode(String node, Claim claim, Instant at) implements OfNode {
        public ClaimNode {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(claim, "claim");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * The holder of the node's claim reports its attempt's result, which has a conclusion; with
     * {@code next}, it also claims a downstream node the finish makes READY ({@link NextClaim}).
     */
    record FinishNode(String node, Result result, Claim claim, Instant at, NextClaim next) implements OfNode {
        public FinishNode {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(claim, "claim");
            Objects.requireNonNull(at, "at");
            if (result == null || result.conclusion() == Conclusion.NONE) {
                // Requests are checked before they get here (ValidatingRepository): this is a bug.
                throw new IllegalArgumentException("a finished attempt needs a conclusion");
            }
        }

        /** A plain finish, claiming nothing. */
        public FinishNode(String node, Result result, Claim claim, Instant at) {
            this(node, result, claim, at, null);
        }

        /** The same finish without its next claim. */
        public FinishNode plain() {
            return next == null ? this : new FinishNode(node, result, claim, at, null);
        }
    }

    /** The holder of a RUNNING node's claim lost its liveness, noticed {@code at}: the claim is dropped. */
    record OrphanNode(String node, Instant at) implements OfNode {
        public OrphanNode {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * A WAITING node receives in one step every input it was handed outside its state (a backend
     * that keeps a wide fan-in's inputs under keys of their own, so that its upstream nodes finish
     * without rewriting one ever-growing record, delivers them this way once they are all there).
     */
    record PromoteNode(String node, Map<String, byte[]> inputs) implements OfNode {
        public PromoteNode {
            Objects.requireNonNull(node, "node");
            inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs)); // in delivery order
        }
    }

    /** A user cancels the run: nothing of it starts any more, and what runs is told to stop. */
    record CancelRun(Instant at) implements OfRun {
        public CancelRun {
            Objects.requireNonNull(at, "at");
        }
    }

    /** A user reruns a completed run from its failures. */
    record RerunRun(Instant at) implements OfRun {
        public RerunRun {
            Objects.requireNonNull(at, "at");
        }
    }
}
