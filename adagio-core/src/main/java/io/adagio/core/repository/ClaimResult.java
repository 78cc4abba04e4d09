package io.adagio.core.repository;

import io.adagio.core.model.Node;

/**
 * The answer to a claim: the node as it is now, and whether this claim won it. Losing is not an
 * error: the node was already running or completed.
 *
 * @param orphanRecovery the node had been orphaned: the winner records an ERROR attempt
 *                       ({@link io.adagio.core.protocol.Protocol#ORPHANED_OUTPUT}) without executing it,
 *                       so the lost attempt is never executed twice
 */
public record ClaimResult(Node node, boolean claimed, boolean orphanRecovery) {
    public static ClaimResult of(io.adagio.core.protocol.Step step) {
        return new ClaimResult(step.node(), step.claimed(), step.orphanRecovery());
    }
}
