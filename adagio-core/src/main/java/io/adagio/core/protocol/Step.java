package io.adagio.core.protocol;

import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import java.util.List;

/**
 * What a protocol step decided: the primary node as it is afterwards, whether a claim won, the
 * changes to store (each node at most once, in order) and the events to emit once they are stored
 * (never while a lock is held).
 *
 * @param claimed        for claims: this claim holds the node now
 * @param orphanRecovery for claims: the node had been orphaned, so the holder must record an ERROR
 *                       attempt ("node was orphaned") without executing it
 */
public record Step(Node node, boolean claimed, boolean orphanRecovery, List<Change> changes, List<Event> events) {
    public Step {
        changes = List.copyOf(changes);
        events = List.copyOf(events);
    }

    /** A step that changes nothing. */
    static Step unchanged(Node node) {
        return new Step(node, false, false, List.of(), List.of());
    }
}
