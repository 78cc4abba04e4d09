package io.adagio.agent;

import com.github.f4b6a3.ulid.Ulid;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.Metadata;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.NextClaim;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims the node an event announced, under a fresh claim id that names this agent. While the
 * repository is unavailable (or busy) the claim is retried until shutdown: repeating a claim with the
 * same id is safe, and a repeat whose first try applied unseen is answered as claimed (and as an
 * orphan recovery if the first one was). Losing the node to another agent, or the repository
 * refusing the claim, is no error: the event was only a hint. A node not due yet (a retry waiting out
 * its backoff) is answered with the time it will be; a node not ready yet, with {@link Early}. Any
 * other error ends this claim.
 */
final class Claimer {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    /** What a claim came to. */
    sealed interface Outcome permits Claimed, NotDue, Early, Lost {}

    /** A node this agent holds now: {@code orphan} when the claim recovered an orphaned attempt. */
    record Claimed(Node node, Claim claim, boolean orphan) implements Outcome {}

    /** A retry not claimable before {@code notBefore}: try again then. */
    record NotDue(Instant notBefore) implements Outcome {}

    /**
     * The repository says the node is not ready (yet), though an event said it is. The event may be
     * early rather than stale: etcd announces the roots of a run too big for one transaction before
     * the run's record makes them claimable. Dropped as a stale hint, such a node would stay READY
     * with nobody told again. Try again a little later ({@link DueEvents#retryEarly}).
     */
    record Early() implements Outcome {}

    /** Another agent has it, the repository refused, or shutdown came first. */
    record Lost() implements Outcome {}

    private static final Lost LOST = new Lost();
    private static final Early EARLY = new Early();

    private final Repository repository;
    private final Backoff backoff;
    private final Lifecycle lifecycle;
    private final Map<String, List<String>> metadata;
    private final Set<String> runtimes;
    /** Claim ids are this, a dot and a sequence number: unique to this claimer, the prefix being random. */
    private final String claimIdPrefix = Ulid.fast().toString() + ".";

    private final AtomicLong claims = new AtomicLong();

    Claimer(Repository repository, Backoff backoff, Lifecycle lifecycle, String agentId, Set<String> runtimes) {
        this.repository = repository;
        this.backoff = backoff;
        this.lifecycle = lifecycle;
        // Copied once here: a claim keeps a copy made by Metadata.copyOf as it is.
        this.metadata = Metadata.copyOf(Map.of(Claim.AGENT_KEY, List.of(agentId)));
        this.runtimes = Set.copyOf(runtimes);
    }

    /** A fresh claim, for a node this agent's finish may claim ({@link NextClaim}) with this agent's runtimes. */
    NextClaim nextClaim() {
        return new NextClaim(newClaim(), runtimes);
    }

    /** As {@link #nextClaim()}, naming a node of the run to claim if the finish makes none ready. */
    NextClaim nextClaim(String node) {
        return new NextClaim(newClaim(), runtimes, node);
    }

    private Claim newClaim() {
        // Unique, not ordered: a random prefix per claimer (80 random bits, so per process too) and a
        // counter. A fresh ULID per claim cost its random bits and its encoding on every node; a
        // monotonic ULID factory took a lock that every worker of a busy pool queued on.
        return new Claim(claimIdPrefix + Long.toString(claims.incrementAndGet(), 36), metadata);
    }

    /** Claims the node the event announced. */
    Outcome claim(Event event) throws InterruptedException {
        var runId = event.runId();
        var name = event.node().name();
        var claim = newClaim();
        ClaimResult claimed;
        try {
            claimed = backoff.call(
                    () -> "claim node \"" + name + "\" of run " + runId,
                    () -> repository.claimNode(runId, name, claim),
                    lifecycle);
        } catch (RepositoryException.NotReady e) {
            log.debug("not claiming yet: {}", e.getMessage());
            return EARLY;
        } catch (RepositoryException e) {
            if (Backoff.canPass(e)) {
                log.debug("not retrying to claim node \"{}\" of run {}: shutting down", name, runId);
            } else if (Backoff.needsOperator(e)) {
                log.error("could not claim node \"{}\" of run {}: {}", name, runId, e.getMessage());
            } else {
                log.warn("could not claim node \"{}\" of run {}: {}", name, runId, e.getMessage());
            }
            return LOST;
        }
        if (!claimed.claimed()) {
            var node = claimed.node();
            if (node.status() == NodeStatus.READY && node.notBefore() != null) {
                log.trace("node {} of run {} is not due before {}", name, runId, node.notBefore());
                return new NotDue(node.notBefore());
            }
            log.trace("node {} of run {} was taken by another agent", name, runId);
            return LOST;
        }
        return new Claimed(claimed.node(), claim, claimed.orphanRecovery());
    }
}
