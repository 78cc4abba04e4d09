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
 * repository is unavailable (or busy) the claim is retried until shutdown: repeating a claim with the
 * same id is safe, and a repeat whose first try applied unseen is answered as claimed (and as an
 * orphan recovery if the first one was). Losing the node to another agent, or the repository
 * refusing the claim, is no error: the event was only a hint. Any other error ends this claim.
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
                    () -> "claim node \"" + name + "\" of run " + runId,
                    () -> repository.claimNode(runId, name, claim),
                    lifecycle);
        } catch (RepositoryException.NotReady e) {
            log.debug("not claiming: {}", e.getMessage());
            return Optional.empty();
        } catch (RepositoryException e) {
            if (Backoff.canPass(e)) {
                log.debug("not retrying to claim node \"{}\" of run {}: shutting down", name, runId);
            } else if (Backoff.needsOperator(e)) {
                log.error("could not claim node \"{}\" of run {}: {}", name, runId, e.getMessage());
            } else {
                log.warn("could not claim node \"{}\" of run {}: {}", name, runId, e.getMessage());
            }
            return Optional.empty();
        }
        if (!claimed.claimed()) {
            log.trace("node {} of run {} was taken by another agent", name, runId);
            return Optional.empty();
        }
        return Optional.of(new Claimed(claimed.node(), claim, claimed.orphanRecovery()));
    }
}
