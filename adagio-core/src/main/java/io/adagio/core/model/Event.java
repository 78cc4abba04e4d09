package io.adagio.core.model;

/** A notification to agents that a node of a run needs attention. */
public record Event(Type type, String runId, NodeSpec node) {

    /** Values match the wire enum {@code adagio.Event.Type}. */
    public enum Type {
        /** The node can be claimed. */
        NODE_READY,
        /** The node's claim was lost; whoever claims it records an ERROR attempt without running it. */
        NODE_ORPHANED
    }

    public static Event ready(String runId, NodeSpec node) {
        return new Event(Type.NODE_READY, runId, node);
    }

    public static Event orphaned(String runId, NodeSpec node) {
        return new Event(Type.NODE_ORPHANED, runId, node);
    }
}
