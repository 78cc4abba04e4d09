package io.adagio.core.model;

/** Where a node is in its life. Values match the wire enum {@code adagio.Node.Status}. */
public enum NodeStatus {
    /** The node's claim was lost (its agent's lease expired): orphaned, waiting to be recovered. */
    NONE,
    WAITING,
    READY,
    RUNNING,
    COMPLETED
}
