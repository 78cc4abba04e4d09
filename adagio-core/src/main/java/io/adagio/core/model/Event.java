package io.adagio.core.model;

import java.time.Instant;

/**
 * A notification to agents that a node of a run needs attention. Events are hints: an agent learns
 * the truth by claiming, so a duplicate or a late one is harmless.
 *
 * @param notBefore for NODE_READY of a node whose retry waits out a backoff: the node is not
 *                  claimable before this instant (set a timer); null when it is claimable now
 * @param claimId   for NODE_CANCELLED: the claim whose attempt must stop; null otherwise
 */
public record Event(Type type, String runId, NodeSpec node, Instant notBefore, String claimId) {

    /** Values match the wire enum {@code adagio.Event.Type}, except the agents-only NODE_CANCELLED. */
    public enum Type {
        /** The node can be claimed (from {@link Event#notBefore()} on, when set). */
        NODE_READY,
        /** The node's claim was lost; whoever claims it records an ERROR attempt without running it. */
        NODE_ORPHANED,
        /**
         * The node's run was cancelled while the node ran: the agent holding {@link Event#claimId()}
         * interrupts the attempt and records it CANCELLED. Delivered to agents through the repository
         * only; it has no wire form.
         */
        NODE_CANCELLED
    }

    public Event(Type type, String runId, NodeSpec node) {
        this(type, runId, node, null, null);
    }

    public static Event ready(String runId, NodeSpec node) {
        return new Event(Type.NODE_READY, runId, node);
    }

    /** NODE_READY for a node claimable from {@code notBefore} on (null: now). */
    public static Event ready(String runId, NodeSpec node, Instant notBefore) {
        return new Event(Type.NODE_READY, runId, node, notBefore, null);
    }

    public static Event orphaned(String runId, NodeSpec node) {
        return new Event(Type.NODE_ORPHANED, runId, node);
    }

    public static Event cancelled(String runId, NodeSpec node, String claimId) {
        return new Event(Type.NODE_CANCELLED, runId, node, null, claimId);
    }
}
