package io.adagio.core.protocol;

import io.adagio.core.model.NodeSpec;
import java.util.List;

/**
 * One run's nodes as a backend shows them to {@link Protocol} inside one atomic step (a lock held,
 * or a transaction being built). Read-only: the protocol answers with the {@link Change}s to make.
 * It reads only the nodes a transition touches, each at most once, so a step costs O(1 + degree)
 * reads, never a scan of the run.
 */
public interface RunView {
    String runId();

    /** The node's spec, or null when the run has no such node. */
    NodeSpec spec(String node);

    List<String> downstream(String node);

    /** The node's state; called only for nodes whose spec exists. */
    NodeState state(String node);

    /**
     * Whether the backend keeps the node's inputs apart from its state (a wide fan-in, promoted once
     * every input is there): such a node is never claimed by the finish that hands it its last input.
     */
    default boolean inputsApart(String node) {
        return false;
    }

    /**
     * The most attempts a node of this run records in all, whatever its retry rules say (the
     * backend's {@link io.adagio.core.graph.Limits#maxAttempts()}).
     */
    default int attemptLimit() {
        return io.adagio.core.graph.Limits.DEFAULT_MAX_ATTEMPTS;
    }
}
