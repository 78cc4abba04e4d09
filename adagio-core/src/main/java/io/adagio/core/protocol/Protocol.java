package io.adagio.core.protocol;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.RetryCondition;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The run protocol, written once for every backend: claims, finishes (readiness, input passing,
 * retries, unreached propagation), orphaning, promotion of fan-ins whose inputs were kept apart,
 * and run status. Pure: each {@link Transition} is a function of the nodes it reads through a
 * {@link RunView}, answered with the {@link Change}s to store and the events to emit. A backend
 * supplies atomicity and storage; it never builds a node's next state itself.
 */
public final class Protocol {
    /** The output recorded for an orphaned attempt. */
    public static final String ORPHANED_OUTPUT = "node was orphaned";

    private Protocol() {}

    /** Applies any transition. */
    public static Step apply(RunView run, Transition transition) {
        return switch (transition) {
            case Transition.ClaimNode t -> claim(run, t);
            case Transition.FinishNode t -> finish(run, t);
            case Transition.OrphanNode t -> orphan(run, t);
            case Transition.PromoteNode t -> promote(run, t);
        };
    }

    /**
     * Claims a node. READY and orphaned nodes move to RUNNING under the claim; WAITING nodes are an
     * error; COMPLETED nodes, and RUNNING nodes held by another claim, are not claimable (no error).
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
        NodeState next;
        if (result.conclusion() == Conclusion.SUCCESS) {
            next = state.withAttempt(result, NodeStatus.COMPLETED, t.at(), state.claim());
            changes.add(new Change.Update(t.node(), state, next));
            byte[] output = result.output();
            for (var down : run.downstream(t.node())) {
                var before = run.state(down);
                // A downstream node already completed was left unreached by another upstream's
                // failure: it stays as it is, with no inputs.
                if (before.status() != NodeStatus.WAITING) {
                    continue;
                }
                var after = before.withInput(t.node(), output);
                changes.add(new Change.Delivery(down, t.node(), output, before, after));
                if (after.status() == NodeStatus.READY) {
                    events.add(Event.ready(run.runId(), run.spec(down)));
                }
            }
        } else if (mayRetry(spec, state, result.conclusion(), run.attemptLimit())) {
            next = state.withAttempt(result, NodeStatus.READY, null, null);
            changes.add(new Change.Update(t.node(), state, next));
            events.add(Event.ready(run.runId(), spec));
        } else {
            next = state.withAttempt(result, NodeStatus.COMPLETED, t.at(), state.claim());
            changes.add(new Change.Update(t.node(), state, next));
            markUnreached(run, t, changes);
        }
        return new Step(next.toNode(spec), false, false, changes, events);
    }

    /**
     * Drops the claim on a RUNNING node whose holder lost its liveness: the node reads NONE and
     * NODE_ORPHANED is emitted. Any other node is left as it is.
     */
    private static Step orphan(RunView run, Transition.OrphanNode t) {
        var spec = requireSpec(run, t.node());
        var state = run.state(t.node());
        if (state.status() != NodeStatus.RUNNING) {
            return Step.unchanged(state.toNode(spec));
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
     */
    public static boolean mayRetry(NodeSpec spec, NodeState state, Conclusion conclusion, int attemptLimit) {
        return allowsAnotherAttempt(spec, state, conclusion) && underAttemptLimit(state, attemptLimit);
    }

    /** Whether the node, once the attempt that just ended is recorded, has fewer than {@code limit} attempts. */
    public static boolean underAttemptLimit(NodeState state, int limit) {
        return state.attempts().size() + 1 < limit;
    }

    /** Whether the retry rule for the condition of {@code conclusion} allows another attempt. */
    public static boolean allowsAnotherAttempt(NodeSpec spec, NodeState state, Conclusion conclusion) {
        var condition = RetryCondition.of(conclusion).orElseThrow();
        int allowed = spec.retryRule(condition).map(RetryRule::maxAttempts).orElse(1);
        long used = 1
                + state.attempts().stream()
                        .filter(r -> r.conclusion() == conclusion)
                        .count();
        return used < allowed;
    }

    /** Every node reachable from a failed node completes with no attempts. */
    private static void markUnreached(RunView run, Transition.FinishNode t, List<Change> changes) {
        var seen = new HashSet<String>();
        var queue = new ArrayDeque<>(run.downstream(t.node()));
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
            changes.add(new Change.Update(name, s, s.unreached(t.at())));
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

    private static NodeSpec requireSpec(RunView run, String nodeName) {
        var spec = run.spec(nodeName);
        if (spec == null) {
            throw RepositoryException.NotFound.node(run.runId(), nodeName);
        }
        return spec;
    }
}
