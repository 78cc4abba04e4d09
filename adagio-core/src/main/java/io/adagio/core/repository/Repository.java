package io.adagio.core.repository;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
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

    /** Number of runs and of nodes in each status, without scanning nodes. */
    Stats stats();

    /** The live agents and their runtimes. */
    List<Agent> listAgents();

    /**
     * Claims a READY or orphaned node. Exactly one of any number of concurrent claimers wins; the
     * others get {@code claimed = false}.
     *
     * @throws RepositoryException.NotReady when the node is still WAITING
     */
    ClaimResult claimNode(String runId, String nodeName, Claim claim);

    /**
     * Records an attempt's result and moves the run on (readiness, retries, unreached propagation).
     *
     * @throws RepositoryException.StaleClaim when {@code claim} no longer holds the node
     */
    Node finishNode(String runId, String nodeName, Result result, Claim claim);

    /**
     * Registers the agent (visible in ListAgents until the subscription is closed or the agent dies)
     * and delivers the requested event types: first for every node that qualifies now, then as nodes
     * qualify.
     */
    Subscription subscribe(Agent agent, Set<Event.Type> types);

    @Override
    void close();
}
