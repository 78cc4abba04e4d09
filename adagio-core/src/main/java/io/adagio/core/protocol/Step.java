package io.adagio.core.protocol;

import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import java.util.List;
import java.util.Objects;

/**
 * What a protocol step decided: the primary node as it is afterwards, whether a claim won, the
 * changes to store (each node at most once, in order) and the events to emit once they are stored
 * (never while a lock is held).
 *
 * @param node           the primary node afterwards; null for a run-wide transition
 * @param claimed        for claims: this claim holds the node now
 * @param orphanRecovery for claims: the node had been orphaned, so the holder must record an ERROR
 *                       attempt ("node was orphaned") without executing it
 * @param cancelMark     what happens to the run's stored "cancelled" mark (run-wide transitions)
 * @param next           for finishes with a next claim: the downstream node claimed for the same
 *                       agent (RUNNING, with its inputs), or null
 */
public record Step(
        Node node,
        boolean claimed,
        boolean orphanRecovery,
        List<Change> changes,
        List<Event> events,
        CancelMark cancelMark,
        Node next) {

    /** The run's "cancelled" mark, which a cancel sets and a rerun clears. */
    public enum CancelMark {
        UNCHANGED,
        SET,
        CLEARED
    }

    public Step {
        changes = List.copyOf(changes);
        events = List.copyOf(events);
        Objects.requireNonNull(cancelMark, "cancelMark");
    }

    /** A step that claims no next node. */
    public Step(
            Node node,
            boolean claimed,
            boolean orphanRecovery,
            List<Change> changes,
            List<Event> events,
            CancelMark cancelMark) {
        this(node, claimed, orphanRecovery, changes, events, cancelMark, null);
    }

    /** A step of one node: the run's mark stays as it is. */
    public Step(Node node, boolean claimed, boolean orphanRecovery, List<Change> changes, List<Event> events) {
        this(node, claimed, orphanRecovery, changes, events, CancelMark.UNCHANGED);
    }

    /** A step that changes nothing. */
    static Step unchanged(Node node) {
        return new Step(node, false, false, List.of(), List.of());
    }
}
