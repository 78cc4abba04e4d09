package io.adagio.agent;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.Stats;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.Subscription;
import java.util.List;
import java.util.Set;

/**
 * A connection to a real repository that passes every call on: the tests' faulty connections
 * override the calls they interfere with. Closing it leaves the repository open (its fixture owns it).
 */
abstract class ForwardingRepository implements Repository {
    final Repository inner;

    ForwardingRepository(Repository inner) {
        this.inner = inner;
    }

    @Override
    public Run startRun(GraphSpec spec) {
        return inner.startRun(spec);
    }

    @Override
    public Run inspectRun(String runId) {
        return inner.inspectRun(runId);
    }

    @Override
    public List<Run> listRuns(RunQuery query) {
        return inner.listRuns(query);
    }

    @Override
    public Stats stats() {
        return inner.stats();
    }

    @Override
    public List<Agent> listAgents() {
        return inner.listAgents();
    }

    @Override
    public ClaimResult claimNode(String runId, String nodeName, Claim claim) {
        return inner.claimNode(runId, nodeName, claim);
    }

    @Override
    public Node finishNode(String runId, String nodeName, Result result, Claim claim) {
        return inner.finishNode(runId, nodeName, result, claim);
    }

    @Override
    public Run cancelRun(String runId) {
        return inner.cancelRun(runId);
    }

    @Override
    public Run rerunRun(String runId) {
        return inner.rerunRun(runId);
    }

    @Override
    public Subscription subscribe(Agent agent, Set<Event.Type> types) {
        return inner.subscribe(agent, types);
    }

    @Override
    public void close() {}
}
