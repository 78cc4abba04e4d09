package io.adagio.agent;

import com.github.f4b6a3.ulid.UlidCreator;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims the node an event announced, under a fresh claim id that names this agent. While the
 * repository is unavailable the claim is retried until shutdown; losing it to another agent, or the
 * repository refusing it, is no error: the event was only a hint.
 */
final class Claimer {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    /** A node this agent holds now: {@code orphan} when the claim recovered an orphaned attempt. */
    record Claimed(Node node, Claim claim, boolean orphan) {}

    private final Repository repository;
    private final Backoff backoff;
    private final Lifecycle lifecycle;
    private final Map<String, List<String>> metadata;

    Claimer(Repository repository, Backoff backoff, Lifecycle lifecycle, String agentId) {
        this.repository = repository;
        this.backoff = backoff;
        this.lifecycle = lifecycle;
        this.metadata = Map.of(AgentPool.CLAIM_AGENT_KEY, List.of(agentId));
    }

    /** The claimed node, or empty when another agent has it, the claim was refused, or shutdown came first. */
    Optional<Claimed> claim(Event event) throws InterruptedException {
        var runId = event.runId();
        var name = event.node().name();
        var claim = new Claim(UlidCreator.getMonotonicUlid().toString(), metadata);
        ClaimResult claimed;
        try {
            claimed = backoff.call(
                    "claim node \"" + name + "\" of run " + runId,
                    () -> repository.claimNode(runId, name, claim),
                    lifecycle);
        } catch (RepositoryException.NotReady e) {
            log.debug("not claiming: {}", e.getMessage());
            return Optional.empty();
        } catch (RepositoryException e) {
            if (Backoff.canPass(e)) {
                log.debug("not retrying to claim node \"{}\" of run {}: shutting down", name, runId);
            } else {
                log.warn("could not claim node \"{}\" of run {}: {}", name, runId, e.getMessage());
            }
            return Optional.empty();
        }
        // A retried claim whose first try succeeded unseen reports claimed=false but holds our claim.
        boolean ours = claimed.claimed() || holds(claimed.node(), claim);
        if (!ours) {
            log.trace("node {} of run {} was taken by another agent", name, runId);
            return Optional.empty();
        }
        // If that unseen claim recovered an orphan we cannot tell any more; an orphan event says it
        // probably did, and not executing is the choice that never runs an attempt twice.
        boolean orphan = claimed.orphanRecovery() || (!claimed.claimed() && event.type() == Event.Type.NODE_ORPHANED);
        return Optional.of(new Claimed(claimed.node(), claim, orphan));
    }

    private static boolean holds(Node node, Claim claim) {
        return node.claim() != null && claim.id().equals(node.claim().id());
    }
}
