package io.adagio.core.repository;

import io.adagio.core.model.Claim;
import java.util.Objects;
import java.util.Set;

/**
 * What an agent finishing a node asks for beside the finish: if the finish makes a downstream node
 * READY that one of {@code runtimes} performs, that node is claimed with {@code claim} in the same
 * atomic step, for the same agent (eager dispatch; docs/ARCHITECTURE.md, "Eager claims"). The next
 * node of a chain then starts without waiting for its NODE_READY event and a claim of its own.
 *
 * <p>Failing such a node, the {@code node} named here (of the same run) is claimed instead if it is
 * READY and due and one of {@code runtimes} performs it: the node of the NODE_READY event the agent
 * took while finishing, so that a fan-out's node is claimed in its predecessor's finish rather than
 * in a step of its own. If it is not claimed, the agent claims it as it would any announced node.
 *
 * @param claim    the claim to hold the node with; a fresh id, as for any claim
 * @param runtimes the runtimes the agent performs (and has room for one more node of)
 * @param node     a node of the run to claim when the finish makes none ready, or null
 */
public record NextClaim(Claim claim, Set<String> runtimes, String node) {
    public NextClaim {
        Objects.requireNonNull(claim, "claim");
        runtimes = Set.copyOf(runtimes);
    }

    /** A next claim of a node the finish makes ready only. */
    public NextClaim(Claim claim, Set<String> runtimes) {
        this(claim, runtimes, null);
    }
}
