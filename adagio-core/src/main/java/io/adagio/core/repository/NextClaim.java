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
 * @param claim    the claim to hold the node with; a fresh id, as for any claim
 * @param runtimes the runtimes the agent performs (and has room for one more node of)
 */
public record NextClaim(Claim claim, Set<String> runtimes) {
    public NextClaim {
        Objects.requireNonNull(claim, "claim");
        runtimes = Set.copyOf(runtimes);
    }
}
