package io.adagio.core.repository;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunRef;
import io.adagio.core.model.Stats;
import java.util.List;
import java.util.Set;

/**
 * Where all state lives: the storage SPI every backend implements and the conformance suite checks
 * (docs/ARCHITECTURE.md, "The repository contract"). Implementations are thread-safe. The protocol rules themselves live in
 * {@link io.adagio.core.protocol}; a backend only stores, locks and notifies.
 *
 * <p>Every method reports failure with a {@link RepositoryException}.
 */
public interface Repository extends AutoCloseable {

    /** Validates the spec and creates a run; root nodes are READY and announced with NODE_READY. */
    Run startRun(GraphSpec spec);

    /** The run with every node, edge, attempt, claim and input. */
    Run inspectRun(String runId);

    /** Runs newest first within the query's time window and limit. */
    List<Run> listRuns(RunQuery query);

    /**
     * Deletes a COMPLETED run and everything stored of it (nodes, indexes, outputs, counters): the
     * run is then unknown ({@link RepositoryException.NotFound}) and {@link #stats()} no longer
     * counts it or its nodes. Of concurrent deletes of one run exactly one succeeds; the others get
     * NotFound.
     *
     * @throws RepositoryException.NotFound           when there is no such run
     * @throws RepositoryException.FailedPrecondition when the run has not completed
     */
    void deleteRun(String runId);

    /**
     * Runs oldest first (creation order), without their nodes: at most {@code limit} runs created
     * after {@code after} (a run of an earlier page, which may be gone since; {@code null}: from the
     * oldest). Cheap enough for a retention pass over every run.
     */
    List<RunRef> oldestRuns(RunRef after, int limit);

    /** Number of runs and of nodes in each status, without scanning nodes. */
    Stats stats();

    /** The live agents and their runtimes. */
    List<Agent> listAgents();

    /**
     * Claims a READY or orphaned node. Exactly one of any number of concurrent claimers wins; the
     * others get {@code claimed = false}. A READY node waiting out a retry's backoff is not claimed
     * before its {@link Node#notBefore()}: the answer is {@code claimed = false} with the node, whose
     * not-before time tells when to try again. The claim's {@link Claim#agentId()} is recorded as the
     * attempt's agent.
     *
     * @throws RepositoryException.NotReady when the node is still WAITING
     */
    ClaimResult claimNode(String runId, String nodeName, Claim claim);

    /**
     * Records an attempt's result and moves the run on (readiness, retries and their backoff,
     * unreached propagation). The attempt is stamped with its start (the claim's time), its finish
     * (now) and its agent. A node whose run was cancelled while it ran completes with the result,
     * whatever it is, without retry; {@code CANCELLED} is the conclusion of an attempt its agent
     * interrupted for that cancel, and is refused for any other node.
     *
     * @throws RepositoryException.StaleClaim     when {@code claim} no longer holds the node
     * @throws RepositoryException.InvalidRequest for a {@code CANCELLED} result on a node whose run
     *                                            was not cancelled
     */
    Node finishNode(String runId, String nodeName, Result result, Claim claim);

    /**
     * {@link #finishNode Finishes} the node and, in the same atomic step, claims for the same agent one
     * downstream node the finish makes READY and that one of {@code next}'s runtimes performs (a node
     * whose inputs the backend keeps apart, a wide fan-in, is left to its NODE_READY event). That node
     * is RUNNING under {@code next}'s claim when this returns, and no NODE_READY is emitted for it;
     * any other node made READY is announced as usual. A finish that makes no such node READY is a
     * plain finish. The default implementation is one: it never claims.
     *
     * @param next the claim to make, or null for a plain finish
     * @throws RepositoryException.StaleClaim     as {@link #finishNode}
     * @throws RepositoryException.InvalidRequest as {@link #finishNode}, or for an invalid next claim
     */
    default Finished finishAndClaim(String runId, String nodeName, Result result, Claim claim, NextClaim next) {
        return new Finished(finishNode(runId, nodeName, result, claim), null);
    }

    /**
     * Cancels a run: its WAITING and READY nodes complete with conclusion CANCELLED and no attempt
     * (an orphaned node's lost attempt is recorded CANCELLED); its RUNNING nodes are marked
     * {@link Node#cancelRequested()} and their agents are told with a NODE_CANCELLED event (from the
     * store's change notification) to interrupt them and finish them CANCELLED. From then on no
     * claim of any node of the run succeeds, and the run concludes CANCELLED once every node has
     * completed. Cancelling a run that has completed, or was cancelled already, changes nothing.
     *
     * @return the run after the cancel (RUNNING while nodes are being stopped)
     * @throws RepositoryException.NotFound for an unknown run
     */
    Run cancelRun(String runId);

    /**
     * Reruns a COMPLETED run from its failures, under the same id: each node whose conclusion is
     * FAIL, ERROR, CANCELLED or NONE (unreached) starts over (its earlier attempts kept, its retry
     * rules counting afresh), READY with its upstream nodes' outputs if they all succeeded, else
     * WAITING; successful nodes keep their attempts and outputs; the run's cancel mark is cleared and
     * NODE_READY is emitted for the ready nodes. A run whose nodes all succeeded is returned as it is
     * (only a cancel mark is cleared).
     *
     * @return the run after the rerun (RUNNING, or WAITING when no node of it ever started)
     * @throws RepositoryException.NotFound           for an unknown run
     * @throws RepositoryException.FailedPrecondition when the run has not completed
     */
    Run rerunRun(String runId);

    /**
     * Registers the agent (visible in ListAgents until the subscription is closed or the agent dies)
     * and delivers the requested event types: first for every node that qualifies now, then as nodes
     * qualify. NODE_READY events of nodes waiting out a backoff carry their not-before time;
     * NODE_CANCELLED events (for agents) name the claim whose attempt must stop.
     */
    Subscription subscribe(Agent agent, Set<Event.Type> types);

    /**
     * Watches a run: the run as it is now, then every change after it, with no gap, until it
     * completes (see {@link RunWatch}). Built on the store's own change notification; all watchers
     * of one run in one process share one notification from the store.
     *
     * @param resumeAfter the {@link RunUpdate#sequence()} of the last update a previous watch of the
     *                    run delivered, to receive only what changed since (the backend may send
     *                    the whole run instead); 0 for the whole run
     * @param onUpdate    called when an update is pending after a {@link RunWatch#poll()}; it must
     *                    not block (it runs on the thread that changed the run)
     * @throws RepositoryException.NotFound when the run does not exist
     */
    RunWatch watchRun(String runId, long resumeAfter, Runnable onUpdate);

    @Override
    void close();
}
