package io.adagio.core.protocol;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryCondition;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.NextClaim;
import io.adagio.core.repository.RepositoryException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The run protocol, written once for every backend: claims, finishes (readiness, input passing,
 * retries and their backoff, unreached propagation), orphaning, promotion of fan-ins whose inputs
 * were kept apart, run status and conclusion; the run-wide cancel and rerun are {@link RunControl}'s.
 * Pure: each {@link Transition} is a function of the nodes it reads through a {@link RunView},
 * answered with the {@link Change}s to store and the events to emit. A backend supplies atomicity,
 * storage and a clock; it never builds a node's next state itself.
 *
 * <p>Attempts are stamped here when recorded: started = the claim's time (for an orphan recovery,
 * the lost claim's), finished = the finish's time, agent = the claimer's ({@link
 * io.adagio.core.model.Claim#agentId()}; for a recovery, the lost claimer's).
 */
public final class Protocol {
    /** The output recorded for an orphaned attempt. */
    public static final String ORPHANED_OUTPUT = "node was orphaned";
    /** The output recorded for an attempt whose agent died after its run was cancelled. */
    public static final String ORPHANED_AFTER_CANCEL_OUTPUT = "node was orphaned after its run was cancelled";

    private Protocol() {}

    /** Applies a transition of one node. */
    public static Step apply(RunView run, Transition.OfNode transition) {
        return switch (transition) {
            case Transition.ClaimNode t -> claim(run, t);
            case Transition.FinishNode t -> finish(run, t);
            case Transition.OrphanNode t -> orphan(run, t);
            case Transition.PromoteNode t -> promote(run, t);
        };
    }

    /**
     * Applies a run-wide transition (see {@link RunControl}).
     *
     * @throws RepositoryException.FailedPrecondition when a rerun finds the run not completed
     */
    public static Step apply(WholeRun run, Transition.OfRun transition) {
        return switch (transition) {
            case Transition.CancelRun t -> RunControl.cancel(run, t);
            case Transition.RerunRun t -> RunControl.rerun(run, t);
        };
    }

    /**
     * Claims a node. READY and orphaned nodes move to RUNNING under the claim; WAITING nodes are an
     * error; COMPLETED nodes, RUNNING nodes held by another claim, and READY nodes before their
     * not-before time (a retry's backoff; the answer shows it) are not claimable (no error).
     * A node RUNNING under this very claim id is claimed again without any change, so that an agent
     * whose claim's answer was lost can ask again and learn that it holds the node.
     *
     * @throws RepositoryException.NotReady when the node is WAITING
     */
    private static Step claim(RunView run, Transition.ClaimNode t) {
        var spec = requireSpec(run, t.node());
        var state = run.state(t.node());
        return switch (state.status()) {
            case WAITING -> throw new RepositoryException.NotReady(run.runId(), t.node());
            case READY, NONE -> {
                if (state.notBefore() != null && t.at().isBefore(state.notBefore())) {
                    yield Step.unchanged(state.toNode(spec));
                }
                var next = state.claimedBy(t.claim(), t.at());
                yield new Step(
                        next.toNode(spec),
                        true,
                        next.orphanRecovery(),
                        List.of(new Change.Update(t.node(), state, next)),
                        List.of());
            }
            case RUNNING -> {
                boolean same = state.claim() != null
                        && state.claim().id().equals(t.claim().id());
                yield new Step(state.toNode(spec), same, same && state.orphanRecovery(), List.of(), List.of());
            }
            case COMPLETED -> Step.unchanged(state.toNode(spec));
        };
    }

    /**
     * Records the result of the attempt held by the claim and moves the run on: on success each
     * WAITING downstream node is handed the output (READY once it has all its inputs); on a failure
     * the retry rule decides between READY again and COMPLETED with every node below unreached.
     * With a next claim, the first downstream node made READY that one of its runtimes performs (and
     * whose inputs the backend does not keep apart) is claimed with it instead of announced.
     *
     * @throws RepositoryException.StaleClaim when the claim does not hold the node
     */
    private static Step finish(RunView run, Transition.FinishNode t) {
        var spec = requireSpec(run, t.node());
        var result = t.result();
        var state = run.state(t.node());
        if (state.status() != NodeStatus.RUNNING
                || state.claim() == null
                || !state.claim().id().equals(t.claim().id())) {
            throw new RepositoryException.StaleClaim(
                    run.runId(), t.node(), t.claim().id());
        }
        var changes = new ArrayList<Change>();
        var events = new ArrayList<Event>();
        var conclusion = result.conclusion();
        NodeState next;
        Node claimedNext = null;
        if (state.cancelRequested()) {
            // The run was cancelled: whatever the attempt concluded, the node completes with it, and
            // nothing below it (cancelled already) is touched.
            next = state.withAttempt(result, t.at(), NodeStatus.COMPLETED, t.at(), state.claim(), conclusion, null);
            changes.add(new Change.Update(t.node(), state, next));
        } else if (conclusion == Conclusion.CANCELLED) {
            throw new RepositoryException.InvalidRequest("node \"" + t.node() + "\" of run \"" + run.runId()
                    + "\" is not being cancelled: an attempt concludes CANCELLED only after its run was cancelled");
        } else if (conclusion == Conclusion.SUCCESS) {
            next = state.withAttempt(
                    result, t.at(), NodeStatus.COMPLETED, t.at(), state.claim(), Conclusion.SUCCESS, null);
            changes.add(new Change.Update(t.node(), state, next));
            byte[] output = result.output();
            var nextClaim = t.next();
            for (var down : run.downstream(t.node())) {
                var before = run.state(down);
                // A downstream node already completed was left unreached by another upstream's
                // failure: it stays as it is, with no inputs.
                if (before.status() != NodeStatus.WAITING) {
                    continue;
                }
                var after = before.withInput(t.node(), output);
                if (after.status() == NodeStatus.READY
                        && nextClaim != null
                        && nextClaim.runtimes().contains(run.spec(down).runtime())
                        && !run.inputsApart(down)) {
                    // Claimed for the finishing agent at once: nobody else is told it is ready.
                    after = after.claimedBy(nextClaim.claim(), t.at());
                    claimedNext = after.toNode(run.spec(down));
                    nextClaim = null;
                } else if (after.status() == NodeStatus.READY) {
                    events.add(Event.ready(run.runId(), run.spec(down)));
                }
                changes.add(new Change.Delivery(down, t.node(), output, before, after));
            }
            if (nextClaim != null && nextClaim.node() != null) {
                claimedNext = claimNamed(run, nextClaim, t.at(), changes);
            }
        } else if (mayRetry(spec, state, conclusion, run.attemptLimit())) {
            var notBefore = notBefore(spec, state, conclusion, t.at());
            next = state.withAttempt(result, t.at(), NodeStatus.READY, null, null, Conclusion.NONE, notBefore);
            changes.add(new Change.Update(t.node(), state, next));
            events.add(Event.ready(run.runId(), spec, notBefore));
        } else {
            next = state.withAttempt(result, t.at(), NodeStatus.COMPLETED, t.at(), state.claim(), conclusion, null);
            changes.add(new Change.Update(t.node(), state, next));
            markUnreached(run, t.node(), t.at(), changes);
        }
        return new Step(next.toNode(spec), false, false, changes, events, Step.CancelMark.UNCHANGED, claimedNext);
    }

    /**
     * Claims the next claim's named node for the finishing agent if it is READY and due, one of the
     * agent's runtimes performs it, and its inputs are at hand; returns it, or null. A node this
     * finish changed was WAITING or the finishing one, never READY, so it is never claimed here.
     */
    private static Node claimNamed(RunView run, NextClaim next, Instant at, List<Change> changes) {
        var spec = run.spec(next.node());
        if (spec == null || !next.runtimes().contains(spec.runtime()) || run.inputsApart(next.node())) {
            return null;
        }
        var before = run.state(next.node());
        if (before.status() != NodeStatus.READY
                || before.cancelRequested()
                || (before.notBefore() != null && at.isBefore(before.notBefore()))) {
            return null;
        }
        var after = before.claimedBy(next.claim(), at);
        changes.add(new Change.Update(next.node(), before, after));
        return after.toNode(spec);
    }

    /**
     * Drops the claim on a RUNNING node whose holder lost its liveness: the node reads NONE and
     * NODE_ORPHANED is emitted. A node whose run was cancelled completes instead, its lost attempt
     * recorded CANCELLED. Any other node is left as it is.
     */
    private static Step orphan(RunView run, Transition.OrphanNode t) {
        var spec = requireSpec(run, t.node());
        var state = run.state(t.node());
        if (state.status() != NodeStatus.RUNNING) {
            return Step.unchanged(state.toNode(spec));
        }
        if (state.cancelRequested()) {
            var done = state.withAttempt(
                    Result.cancelled(ORPHANED_AFTER_CANCEL_OUTPUT),
                    t.at(),
                    NodeStatus.COMPLETED,
                    t.at(),
                    null,
                    Conclusion.CANCELLED,
                    null);
            return new Step(
                    done.toNode(spec), false, false, List.of(new Change.Update(t.node(), state, done)), List.of());
        }
        var next = state.orphaned();
        return new Step(
                next.toNode(spec),
                false,
                false,
                List.of(new Change.Update(t.node(), state, next)),
                List.of(Event.orphaned(run.runId(), spec)));
    }

    /**
     * Makes a WAITING node READY with the inputs it was handed apart, if they are as many as the
     * upstream nodes it waits on; anything else (a node promoted already, left unreached, or with
     * inputs still missing) is left as it is.
     */
    private static Step promote(RunView run, Transition.PromoteNode t) {
        var spec = requireSpec(run, t.node());
        var state = run.state(t.node());
        if (state.status() != NodeStatus.WAITING || t.inputs().size() < state.waitingOn()) {
            return Step.unchanged(state.toNode(spec));
        }
        var next = state.withInputs(t.inputs());
        return new Step(
                next.toNode(spec),
                false,
                false,
                List.of(new Change.Update(t.node(), state, next)),
                List.of(Event.ready(run.runId(), spec)));
    }

    /**
     * Whether a node whose attempt just ended in {@code conclusion} is attempted again: its retry rule
     * for that condition allows it, and the node is under the attempt limit in all. With a rule at the
     * limit for each condition (or orphan recoveries on top), the rules alone would allow twice the limit.
     * The limit counts the current generation's attempts: a rerun, asked for by a user, starts afresh.
     */
    public static boolean mayRetry(NodeSpec spec, NodeState state, Conclusion conclusion, int attemptLimit) {
        return allowsAnotherAttempt(spec, state, conclusion) && underAttemptLimit(state, attemptLimit);
    }

    /** Whether the node, once the attempt that just ended is recorded, has fewer than {@code limit} attempts. */
    public static boolean underAttemptLimit(NodeState state, int limit) {
        return state.currentAttempts().size() + 1 < limit;
    }

    /**
     * Whether the retry rule for the condition of {@code conclusion} allows another attempt: the
     * attempts of the current generation that ended so, this one included, are fewer than the rule
     * for that condition allows (1 without a rule).
     */
    public static boolean allowsAnotherAttempt(NodeSpec spec, NodeState state, Conclusion conclusion) {
        var condition = RetryCondition.of(conclusion).orElse(null);
        if (condition == null) {
            return false;
        }
        int allowed = spec.retryRule(condition).map(RetryRule::maxAttempts).orElse(1);
        return ended(state, conclusion) < allowed;
    }

    /** The attempts of the current generation that ended in {@code conclusion}, plus the one ending now. */
    private static long ended(NodeState state, Conclusion conclusion) {
        return 1
                + state.currentAttempts().stream()
                        .filter(r -> r.conclusion() == conclusion)
                        .count();
    }

    /** When the retry after an attempt that ended {@code at} in {@code conclusion} may start; null at once. */
    private static Instant notBefore(NodeSpec spec, NodeState state, Conclusion conclusion, Instant at) {
        var backoff = RetryCondition.of(conclusion)
                .flatMap(spec::retryRule)
                .map(RetryRule::backoff)
                .orElse(null);
        return backoff == null ? null : at.plus(backoff.delay((int) ended(state, conclusion)));
    }

    /** Every WAITING node reachable from a failed node completes unreached (conclusion NONE, no new attempt). */
    static void markUnreached(RunView run, String failed, Instant at, List<Change> changes) {
        var seen = new HashSet<String>();
        var queue = new ArrayDeque<>(run.downstream(failed));
        while (!queue.isEmpty()) {
            var name = queue.poll();
            if (!seen.add(name)) {
                continue;
            }
            var s = run.state(name);
            // Only WAITING nodes can be downstream of a node that has not succeeded. One already
            // COMPLETED was left unreached by an earlier failure, and so was everything below it:
            // stopping there keeps the cost to the nodes that actually change.
            if (s.status() != NodeStatus.WAITING) {
                continue;
            }
            changes.add(new Change.Update(name, s, s.completedWithout(Conclusion.NONE, at)));
            queue.addAll(run.downstream(name));
        }
    }

    /** A run's status from its node counts. */
    public static RunStatus runStatus(long nodes, long completed, boolean anyStarted) {
        if (completed == nodes) {
            return RunStatus.COMPLETED;
        }
        return anyStarted ? RunStatus.RUNNING : RunStatus.WAITING;
    }

    static NodeSpec requireSpec(RunView run, String nodeName) {
        var spec = run.spec(nodeName);
        if (spec == null) {
            throw RepositoryException.NotFound.node(run.runId(), nodeName);
        }
        return spec;
    }
}
