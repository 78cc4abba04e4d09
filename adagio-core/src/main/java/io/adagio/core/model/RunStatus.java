package io.adagio.core.model;

/** Values match the wire enum {@code adagio.Run.Status}. */
public enum RunStatus {
    /** No node has started yet. */
    WAITING,
    RUNNING,
    /** Every node is completed (succeeded, failed for good, or unreached). */
    COMPLETED
}
