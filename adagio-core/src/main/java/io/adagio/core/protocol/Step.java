package io.adagio.core.protocol;

import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import java.util.List;

/**
 * What a protocol step decided: the node as it is afterwards, whether a claim won, and the events
 * to emit once the step is committed (never while a lock is held).
 *
 * @param claimed         for claims: this claim won the node
 * @param orphanRecovery  for claims: the node had been orphaned, so the winner must record an ERROR
 *                        attempt ("node was orphaned") without executing it
 */
public record Step(Node node, boolean claimed, boolean orphanRecovery, List<Event> events) {
    public Step {
        events = List.copyOf(events);
    }
}
