package io.adagio.core.repository;

import io.adagio.core.graph.GraphValidator;
import io.adagio.core.graph.Limits;
import io.adagio.core.graph.RunGraph;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Names;
import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunRef;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The one front door of every backend: each request is checked here, once, before a backend sees
 * it, so that all backends refuse the same requests with the same errors and none can forget a
 * check. A backend implements the protected hooks, which receive only checked arguments: a spec
 * arrives as a {@link RunGraph}, which only {@link GraphValidator} makes.
 *
 * <p>The rules: a spec must pass {@link GraphValidator} with the backend's {@link Limits}; agent
 * and claim ids are {@value Names#ID_RULE} ({@link RepositoryException.InvalidRequest} naming the
 * id otherwise); a result must have a conclusion; a run id or node name that could not exist (not
 * {@value Names#NAME_RULE}) is {@link RepositoryException.NotFound}, as an unknown one is.
 */
public abstract class ValidatingRepository implements Repository {
    private final GraphValidator validator;

    protected ValidatingRepository(Limits limits) {
        this.validator = new GraphValidator(limits);
    }

    /** The limits every request is checked against; {@link Limits#maxAttempts()} also bounds what a node records. */
    protected final Limits limits() {
        return validator.limits();
    }

    /** Starts a run of a validated graph: roots READY and announced, every other node WAITING. */
    protected abstract Run start(RunGraph graph);

    /** The run with the well-formed id {@code runId}. */
    protected abstract Run inspect(String runId);

    /** Claims a node; the run id and node name are well-formed, the claim id valid. */
    protected abstract ClaimResult claim(String runId, String node, Claim claim);

    /**
     * Finishes a node; the run id and node name are well-formed, the claim id valid, the result
     * concluded. With {@code next} (null for a plain finish; its claim id valid and not the finishing
     * one), also claims a node the finish makes READY (see {@link #finishAndClaim}).
     */
    protected abstract Finished finish(String runId, String node, Result result, Claim claim, NextClaim next);

    /** Deletes the completed run with the well-formed id {@code runId}. */
    protected abstract void delete(String runId);

    /** Runs oldest first after {@code after} (null, or one with a well-formed id), at most {@code limit} (positive). */
    protected abstract List<RunRef> oldest(RunRef after, int limit);

    /** Cancels the run with the well-formed id {@code runId} (see {@link Repository#cancelRun}). */
    protected abstract Run cancel(String runId);

    /** Reruns the run with the well-formed id {@code runId} (see {@link Repository#rerunRun}). */
    protected abstract Run rerun(String runId);

    /** Subscribes an agent with a valid id to {@code types} (a set of its own). */
    protected abstract Subscription register(Agent agent, Set<Event.Type> types);

    /** Watches the run with the well-formed id {@code runId}; {@code resumeAfter} is 0 or positive. */
    protected abstract RunWatch watch(String runId, long resumeAfter, Runnable onUpdate);

    @Override
    public final Run startRun(GraphSpec spec) {
        if (spec == null) {
            throw new RepositoryException.InvalidRequest("a run needs a graph spec");
        }
        // Throws before the backend is asked anything: a rejected spec changes nothing.
        return start(validator.validate(spec));
    }

    @Override
    public final Run inspectRun(String runId) {
        requireRunId(runId);
        return inspect(runId);
    }

    @Override
    public final void deleteRun(String runId) {
        requireRunId(runId);
        delete(runId);
    }

    @Override
    public final List<RunRef> oldestRuns(RunRef after, int limit) {
        if (limit < 1) {
            throw new RepositoryException.InvalidRequest("a page of runs needs a limit of at least 1, got " + limit);
        }
        if (after != null && !Names.isName(after.id())) {
            throw new RepositoryException.InvalidRequest("run id " + Names.quote(after.id()) + " is invalid");
        }
        return oldest(after, limit);
    }

    @Override
    public final ClaimResult claimNode(String runId, String nodeName, Claim claim) {
        requireClaim(claim);
        requireNode(runId, nodeName);
        return claim(runId, nodeName, claim);
    }

    @Override
    public final Node finishNode(String runId, String nodeName, Result result, Claim claim) {
        return finishAndClaim(runId, nodeName, result, claim, null).node();
    }

    @Override
    public final Finished finishAndClaim(String runId, String nodeName, Result result, Claim claim, NextClaim next) {
        if (result == null || result.conclusion() == Conclusion.NONE) {
            throw new RepositoryException.InvalidRequest("a result must conclude SUCCESS, FAIL, ERROR or CANCELLED");
        }
        requireClaim(claim);
        requireNode(runId, nodeName);
        if (next != null) {
            if (claim.id().equals(next.claim().id())) {
                throw new RepositoryException.InvalidRequest(
                        "the next node's claim needs an id of its own, not that of the finishing claim");
            }
            // Checked (and remembered) like any claim: the next node's finish names it again.
            requireClaim(next.claim(), " of the next node");
            if (next.node() != null && !Names.isName(next.node())) {
                throw new RepositoryException.InvalidRequest("the node to claim next, " + Names.quote(next.node())
                        + ", has an invalid name: a name is " + Names.NAME_RULE);
            }
        }
        return finish(runId, nodeName, result, claim, next);
    }

    @Override
    public final Run cancelRun(String runId) {
        requireRunId(runId);
        return cancel(runId);
    }

    @Override
    public final Run rerunRun(String runId) {
        requireRunId(runId);
        return rerun(runId);
    }

    @Override
    public final Subscription subscribe(Agent agent, Set<Event.Type> types) {
        if (agent == null) {
            throw new RepositoryException.InvalidRequest("a subscription needs an agent");
        }
        if (!Names.isId(agent.id())) {
            throw new RepositoryException.InvalidRequest(
                    "agent id " + Names.quote(agent.id()) + " is invalid: an agent id is " + Names.ID_RULE);
        }
        var wanted = types == null || types.isEmpty() ? EnumSet.noneOf(Event.Type.class) : EnumSet.copyOf(types);
        return register(agent, wanted);
    }

    @Override
    public final RunWatch watchRun(String runId, long resumeAfter, Runnable onUpdate) {
        if (onUpdate == null) {
            throw new RepositoryException.InvalidRequest("a watch needs a callback for its updates");
        }
        requireRunId(runId);
        return watch(runId, Math.max(0, resumeAfter), onUpdate);
    }

    /**
     * Per thread, the last run id and claim id found valid. An agent's worker names the same run in
     * node after node, and the same claim in its claim and its finish: compared by identity (a
     * string never changes), they are not checked character by character again.
     */
    private static final class LastValid {
        String runId;
        String nodeName;
        String claimId;
    }

    private static final ThreadLocal<LastValid> LAST_VALID = ThreadLocal.withInitial(LastValid::new);

    private static void requireClaim(Claim claim) {
        requireClaim(claim, "");
    }

    /** @param whose what the error message adds after the id (" of the next node"), or "" */
    private static void requireClaim(Claim claim, String whose) {
        if (claim == null) {
            throw new RepositoryException.InvalidRequest("a claim is needed");
        }
        var last = LAST_VALID.get();
        if (claim.id() != null && claim.id() == last.claimId) {
            return;
        }
        if (!Names.isId(claim.id(), last.claimId)) {
            // A claim without a usable id could never be finished: the node would be stuck RUNNING.
            throw new RepositoryException.InvalidRequest(
                    "claim id " + Names.quote(claim.id()) + whose + " is invalid: a claim id is " + Names.ID_RULE);
        }
        last.claimId = claim.id();
    }

    private static void requireRunId(String runId) {
        var last = LAST_VALID.get();
        if (runId != null && runId == last.runId) {
            return;
        }
        if (!Names.isName(runId)) {
            throw new RepositoryException.NotFound("run " + Names.quote(runId) + " not found");
        }
        last.runId = runId;
    }

    private static void requireNode(String runId, String nodeName) {
        requireRunId(runId);
        var last = LAST_VALID.get();
        if (nodeName != null && nodeName == last.nodeName) {
            return;
        }
        if (!Names.isName(nodeName)) {
            throw new RepositoryException.NotFound(
                    "node " + Names.quote(nodeName) + " not found in run \"" + runId + "\"");
        }
        last.nodeName = nodeName;
    }
}
