package io.adagio.core.protocol;

import io.adagio.core.model.NodeSpec;
import java.util.List;

/**
 * One run's nodes as seen inside one atomic step of a backend (a lock held, or a transaction being
 * built). {@link Protocol} reads and writes only the nodes a transition touches, so a step costs
 * O(1 + degree) reads and writes, never a scan of the run.
 */
public interface NodeTable {
    String runId();

    /** The node's spec, or null when the run has no such node. */
    NodeSpec spec(String node);

    List<String> downstream(String node);

    NodeState get(String node);

    void put(String node, NodeState state);
}
