package io.adagio.core.protocol;

import java.util.Objects;

/**
 * One node's change, as {@link Protocol} decided it: what a backend stores, in the order given.
 * Each node changes at most once per step. {@link #before()} is the state the protocol read, so a
 * backend keeps its indexes and counters (ready, running, orphaned, per status) in step by comparing
 * the two statuses, and guards its commit on the record it read.
 */
public sealed interface Change {
    String node();

    NodeState before();

    NodeState after();

    /** The node's state replaced as a whole (claimed, finished, retried, orphaned, unreached, promoted). */
    record Update(String node, NodeState before, NodeState after) implements Change {
        public Update {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(before, "before");
            Objects.requireNonNull(after, "after");
        }
    }

    /**
     * An upstream node's output handed to a WAITING node. {@code after} is the node with the input
     * among its inputs, READY if it was the last one awaited. A backend may store {@code output}
     * apart instead of rewriting the node, and count the deliveries itself; it then makes the node
     * READY with {@link Transition.PromoteNode} once all its inputs are there.
     */
    record Delivery(String node, String upstream, byte[] output, NodeState before, NodeState after) implements Change {
        public Delivery {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(before, "before");
            Objects.requireNonNull(after, "after");
        }
    }
}
